"""The one process-tree stopper: polite first when asked, then SIGKILL, never a zombie."""

from __future__ import annotations

import subprocess
import sys
import time
import uuid

import psutil

from grader.lab.processes import stop_processes, tree

# A parent that starts a child which ignores SIGTERM, then both sleep.
STUBBORN = (
    "import signal, subprocess, sys, time\n"
    "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
    "subprocess.Popen([sys.executable, '-c', 'import signal, time; "
    "signal.signal(signal.SIGTERM, signal.SIG_IGN); print(1, flush=True); time.sleep(60)'])\n"
    "time.sleep(60)\n"
)


def _start(code: str, size: int = 1) -> tuple[subprocess.Popen, list[psutil.Process]]:
    parent = subprocess.Popen([sys.executable, "-c", code])
    root = psutil.Process(parent.pid)
    deadline = time.monotonic() + 20
    while len(tree(root)) < size and time.monotonic() < deadline:
        time.sleep(0.05)
    return parent, tree(root)


def test_a_tree_that_ignores_sigterm_is_killed_after_the_grace():
    parent, family = _start(STUBBORN, size=2)
    assert len(family) == 2
    killed = stop_processes(family, grace=0.5)
    parent.wait(timeout=5)
    assert {p.pid for p in killed} == {p.pid for p in family}  # both had to be killed
    assert not any(p.is_running() and p.status() != psutil.STATUS_ZOMBIE for p in family)


def test_a_process_that_exits_on_sigterm_is_not_killed():
    _parent, family = _start("import time; time.sleep(60)")
    assert stop_processes(family[:1], grace=5) == []
    assert not family[0].is_running()  # reaped by the wait: SIGTERM was enough


def test_without_grace_everything_is_killed_at_once_and_gone_ones_are_skipped():
    parent, family = _start("import time; time.sleep(60)")
    parent.kill()
    parent.wait()
    assert stop_processes(family) == family  # already gone: no error


# A parent that starts a child every 0.1 s: each scan may find processes the last one missed.
# Each names MARK on its command line, as a unit's processes name its folder.
BREEDER = (
    "import subprocess, sys, time\n"
    "for _ in range(50):\n"
    "    subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)', sys.argv[1]])\n"
    "    time.sleep(0.1)\n"
)


def test_kill_until_gone_catches_children_born_between_scans():
    from grader.lab.processes import kill_until_gone

    mark = f"breeder-{uuid.uuid4().hex}"
    parent = subprocess.Popen([sys.executable, "-c", BREEDER, mark])
    time.sleep(1.0)  # a few children already
    seen: list[set[int]] = []

    def find() -> list[int]:
        pids = set()
        for proc in psutil.process_iter(["cmdline", "status"]):
            if mark in (proc.info["cmdline"] or []) and proc.info["status"] != "zombie":
                pids.add(proc.pid)
        seen.append(pids)
        return list(pids)

    killed = kill_until_gone(find, timeout=10)
    parent.wait(timeout=10)
    assert parent.pid in killed and len(killed) >= 3
    assert seen[-1] == set()  # the last scan found nothing left


def test_kill_until_gone_uses_kill_all_and_falls_back_to_each_pid():
    from grader.lab.processes import kill_until_gone

    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    calls = []
    killed = kill_until_gone(
        lambda: [child.pid] if child.poll() is None else [],
        kill_all=lambda: calls.append(1) or False,  # cannot: each pid is signalled
        timeout=10,
    )
    assert killed == {child.pid} and calls and child.returncode == -9
