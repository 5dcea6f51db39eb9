"""What each test costs: wall seconds and CPU-seconds (its own and its children's), the
slowest listed at the end of the run.

pytest's ``--durations`` gives wall time only; on a busy 2-core machine that says more about
the neighbours than about the test. CPU-seconds, read from the kernel's accounting
(``getrusage``: this process, and the children it has waited for), is what the suite's time
budget is made of. Setup is counted in the test that first needed it (a session's graded
class goes to its first test). Children not yet reaped (a server a fixture keeps) are
counted when they end.
"""

from __future__ import annotations

import resource
import time

import pytest

#: How many of the costliest tests the summary lists.
SHOWN = 25

_costs: list[tuple[float, float, str]] = []


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None):
    wall, cpu = time.monotonic(), _cpu()
    yield
    _costs.append((time.monotonic() - wall, _cpu() - cpu, item.nodeid))


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    if not _costs:
        return
    write = terminalreporter.write_line
    total_wall = sum(c[0] for c in _costs)
    total_cpu = sum(c[1] for c in _costs)
    terminalreporter.section(f"cost of the {SHOWN} slowest tests (wall s, CPU s)")
    for wall, cpu, nodeid in sorted(_costs, reverse=True)[:SHOWN]:
        write(f"{wall:8.1f} {cpu:8.1f}  {nodeid}")
    files: dict[str, list[float]] = {}
    for wall, cpu, nodeid in _costs:
        entry = files.setdefault(nodeid.split("::")[0], [0.0, 0.0, 0])
        entry[0] += wall
        entry[1] += cpu
        entry[2] += 1
    terminalreporter.section("cost by file (wall s, CPU s, tests)")
    for name, (wall, cpu, count) in sorted(files.items(), key=lambda kv: -kv[1][0])[:SHOWN]:
        write(f"{wall:8.1f} {cpu:8.1f} {count:5d}  {name}")
    write(f"{total_wall:8.1f} {total_cpu:8.1f} {len(_costs):5d}  in all")
