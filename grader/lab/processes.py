"""Stopping processes: the one way the course and the grader end a process tree.

An endpoint's server and its Spark JVM (:mod:`grader.lab.serving`) and whatever a graded
unit left running (:mod:`grader.grading.isolation`) are stopped the same way: a polite
SIGTERM and a grace period where the process deserves one, then SIGKILL for the rest, and
a wait so that no zombie outlives the call. psutil does the signalling and the waiting.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Iterable
from contextlib import suppress

import psutil


def tree(proc: psutil.Process) -> list[psutil.Process]:
    """``proc`` and all its descendants (children of children too)."""
    with suppress(psutil.Error):
        return [proc, *proc.children(recursive=True)]
    return [proc]


def stop_processes(
    procs: Iterable[psutil.Process], *, grace: float = 0.0, wait: float = 10.0
) -> list[psutil.Process]:
    """Stop ``procs``: SIGTERM and up to ``grace`` seconds to exit (when ``grace`` > 0), then
    SIGKILL whatever is left, waiting up to ``wait`` seconds for those. Returns the processes
    that had to be killed. A process already gone is skipped."""
    procs = list(procs)
    alive = procs
    if grace > 0:
        for proc in procs:
            with suppress(psutil.Error):
                proc.terminate()
        _, alive = psutil.wait_procs(procs, timeout=grace)
    for proc in alive:
        with suppress(psutil.Error):
            proc.kill()
    psutil.wait_procs(alive, timeout=wait)
    return alive


def kill_until_gone(
    find: Callable[[], Iterable[int]],
    *,
    timeout: float = 15.0,
    kill_all: Callable[[], bool] | None = None,
) -> set[int]:
    """SIGKILL every process ``find`` names, and again, until it names none or ``timeout``
    seconds pass; return the pids killed. For what may fork while it dies (a sandboxed
    unit, a fork bomb): a child born between two scans is found by the next one.
    ``kill_all``, when given, kills them all at once (cgroup v2's ``cgroup.kill``) and
    returns False where it cannot, and then each pid is signalled instead."""
    killed: set[int] = set()
    deadline = time.monotonic() + timeout
    while (pids := set(find())) and time.monotonic() < deadline:
        if kill_all is None or not kill_all():
            for pid in pids:
                with suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
        killed |= pids
        time.sleep(0.05)
    return killed
