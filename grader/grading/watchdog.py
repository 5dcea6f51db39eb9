"""Limits without cgroups: a process that samples the unit's process tree and enforces caps.

A grader that is not root, on a host whose systemd delegates it no cgroup subtree, cannot
ask the kernel to cap a unit. This watchdog starts the unit's command as its child (the
sandbox's ``bwrap``, whose pid namespace keeps every process of the unit below it, daemons
included) and, several times a second, does what the cgroup would have done:

- past the memory cap (the tree's resident memory), it kills the tree's largest process,
  as the kernel's OOM killer does in a memory cgroup, and counts an ``oom_kill``;
- past the process cap (the tree's tasks: processes and threads, as ``pids.max`` counts),
  it kills the newest processes until the tree is back under it, as if their forks had
  been refused, and counts them as ``forks_refused``.

The counts go to a JSON file outside the sandbox, read by the grader as it reads a
cgroup's; so a unit killed here is reported with the same reasons as under a cgroup. A
sample can miss a burst shorter than its interval (a shell fork bomb makes thousands of
processes between two): so the command also starts under an RLIMIT_NPROC
(:func:`_cap_forks`) that makes forks fail past the cap, the kernel's way. Still weaker than
a cgroup (doctor says so); the file-size ``ulimit`` holds as well.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil

from grader.lab.processes import kill_until_gone, tree

#: Seconds between two samples of the tree.
INTERVAL = 0.05


def _measure(procs: list[psutil.Process]) -> list[tuple[psutil.Process, int, int, float]]:
    """(process, resident bytes, threads, start time) of each process still alive."""
    found = []
    for proc in procs:
        with contextlib.suppress(psutil.Error), proc.oneshot():
            if proc.status() == psutil.STATUS_ZOMBIE:
                continue  # killed already, not yet reaped by its parent: it holds nothing
            found.append((proc, proc.memory_info().rss, proc.num_threads(), proc.create_time()))
    return found


def enforce(root: psutil.Process, memory: int, processes: int, counts: dict[str, int]) -> None:
    """One sample: kill what is past a cap, count it in ``counts``."""
    measured = _measure(tree(root))
    if sum(m[1] for m in measured) > memory:
        biggest = max(measured[1:] or measured, key=lambda m: m[1])[0]  # never bwrap first
        with contextlib.suppress(psutil.Error):
            biggest.kill()
            counts["oom_kills"] += 1
    tasks = sum(m[2] for m in measured)
    if tasks > processes:
        for proc, _, threads, _ in sorted(measured[1:], key=lambda m: -m[3]):
            with contextlib.suppress(psutil.Error):
                proc.kill()
                counts["forks_refused"] += 1
            tasks -= threads
            if tasks <= processes:
                break
    counts["peak_memory"] = max(counts["peak_memory"], sum(m[1] for m in measured))


def _increase(counts: dict[str, int], saved: dict[str, int]) -> dict[str, int]:
    """What ``counts`` add to what was ``saved`` already (the peak is a maximum, not a sum)."""
    return {
        "oom_kills": counts["oom_kills"] - saved["oom_kills"],
        "forks_refused": counts["forks_refused"] - saved["forks_refused"],
        "peak_memory": counts["peak_memory"],
    }


def save(report: Path, counts: dict[str, int]) -> None:
    """Add this command's counts to the unit's report (a unit runs several commands)."""
    old = {}
    with contextlib.suppress(OSError, ValueError):
        old = json.loads(report.read_text())
    merged = {
        "oom_kills": old.get("oom_kills", 0) + counts["oom_kills"],
        "forks_refused": old.get("forks_refused", 0) + counts["forks_refused"],
        "peak_memory": max(old.get("peak_memory", 0), counts["peak_memory"]),
    }
    report.write_text(json.dumps(merged))


def _cap_forks(processes: int) -> None:
    """A kernel-enforced backstop: RLIMIT_NPROC at this uid's tasks now plus the cap.

    Sampling alone cannot keep up with a shell fork bomb (thousands of forks between two
    samples); this limit makes forks fail past it, as ``pids.max`` does. It counts every
    task of the grader's uid, so with several units at once each gets its cap above all of
    them: a bound, not an exact share."""
    import resource

    uid = os.getuid()
    tasks = 0
    for proc in psutil.process_iter(["uids", "num_threads"]):
        if proc.info["uids"] and proc.info["uids"].real == uid:
            tasks += proc.info["num_threads"] or 1
    resource.setrlimit(resource.RLIMIT_NPROC, (tasks + processes, tasks + processes))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--memory", type=int, required=True, help="bytes")
    parser.add_argument("--processes", type=int, required=True, help="tasks")
    parser.add_argument("--report", type=Path, required=True)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    child = subprocess.Popen(command, preexec_fn=lambda: _cap_forks(args.processes))
    # The grader stops a unit by killing this process: take the unit with it.
    signal.signal(signal.SIGTERM, lambda *_: (child.kill(), sys.exit(143)))
    root = psutil.Process(child.pid)
    counts = {"oom_kills": 0, "forks_refused": 0, "peak_memory": 0}
    saved = dict(counts)
    try:
        while child.poll() is None:
            enforce(root, args.memory, args.processes, counts)
            # Saved as it changes: a kernel is stopped with SIGKILL, this process included.
            if counts != saved:
                save(args.report, _increase(counts, saved))
                saved = dict(counts)
            time.sleep(INTERVAL)
    finally:
        save(args.report, _increase(counts, saved))
        for proc in tree(root):
            with contextlib.suppress(psutil.Error):
                proc.kill()
    return child.returncode if child.returncode >= 0 else 128 - child.returncode


def watched(report: Path) -> list[psutil.Process]:
    """The watchdogs that write ``report`` (its path names the unit) and their trees."""
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        if proc.pid != os.getpid() and str(report) in (proc.info["cmdline"] or []):
            found += tree(proc)
    return found


def kill_watched(report: Path, timeout: float = 15.0) -> set[int]:
    """Kill every process of the unit (see :func:`watched`) until none is left; their pids."""
    return kill_until_gone(lambda: [proc.pid for proc in watched(report)], timeout=timeout)


def load(report: Path) -> dict[str, int]:
    """The unit's counts as the watchdogs left them (zeros when none wrote any)."""
    counts = {"peak_memory": 0, "oom_kills": 0, "forks_refused": 0}
    with contextlib.suppress(OSError, ValueError):
        counts.update({k: int(v) for k, v in json.loads(report.read_text()).items() if k in counts})
    return counts


if __name__ == "__main__":
    sys.exit(main())
