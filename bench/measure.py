"""Timing and memory of a child process tree, and the median of repetitions.

A figure is measured on a child process (never in this one), so the baseline and our way
pay the same start-up and are sampled the same way: wall time, and the peak of the summed
resident memory of the child and all its descendants (kernels, JVMs, model servers).
"""

from __future__ import annotations

import contextlib
import os
import statistics
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import psutil

#: How often the process tree's memory is sampled (a JVM's peak lasts seconds).
SAMPLE_EVERY = 0.2


@dataclass
class Sample:
    """One measured run of a command."""

    seconds: float
    peak_rss_mb: float
    cpu: dict[str, float] = field(default_factory=dict)  # CPU-seconds by role (bench/phases)
    started: dict[str, int] = field(default_factory=dict)  # processes seen, by role
    accounted_cpu: float = 0.0  # CPU the OS accounted to the root and its waited children
    #: CPU-seconds the whole machine spent while the command ran (every process, sandboxed
    #: ones included, which the sampling and the OS's accounting to the root both miss):
    #: exact on a quiet machine, and the figure that says how many cores a grader kept busy
    machine_cpu: float = 0.0


@dataclass
class Figure:
    """Repetitions of one measurement, summarised by their median."""

    name: str
    unit: str
    values: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.values) if self.values else float("nan")

    def as_dict(self) -> dict:
        return {"name": self.name, "unit": self.unit, "median": self.median, "values": self.values}


def tree_rss(root: psutil.Process, skip: Callable[[psutil.Process], bool] | None = None) -> int:
    """Resident bytes of ``root`` and all its descendants (processes that vanish count 0),
    leaving out every process ``skip`` is true of, with its own descendants."""
    total = 0
    try:
        processes = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0
    skipped: set[int] = set()
    if skip is not None:
        for process in processes:
            with contextlib.suppress(psutil.Error):
                if process.pid not in skipped and skip(process):
                    skipped |= {process.pid, *(c.pid for c in process.children(recursive=True))}
    for process in processes:
        if process.pid in skipped:
            continue
        with contextlib.suppress(psutil.Error):
            total += process.memory_info().rss
    return total


class Sampler:
    """Calls :meth:`sample` in a thread every ``every`` seconds between enter and exit."""

    every = SAMPLE_EVERY

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.every)

    def sample(self) -> None:
        raise NotImplementedError


class PeakMemory(Sampler):
    """Samples a process tree's resident memory in a thread until stopped; keeps the peak."""

    def __init__(self, pid: int, skip: Callable[[psutil.Process], bool] | None = None) -> None:
        super().__init__()
        self._root = psutil.Process(pid)
        self._skip = skip
        self.peak = 0

    def sample(self) -> None:
        self.peak = max(self.peak, tree_rss(self._root, self._skip))


def run_measured(
    command: Sequence[str],
    *,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    log: Path | None = None,
    skip: Callable[[psutil.Process], bool] | None = None,
    also: Sequence[int] = (),
) -> Sample:
    """Run ``command`` to the end; its time, peak tree memory (without the processes ``skip``
    is true of) and CPU by role (of its tree and of the trees of the processes ``also``
    names, e.g. Dask workers). A failure raises with the tail of its output, since a
    benchmark of a broken run would measure nothing."""
    from bench.phases import CpuByRole

    log = log or Path(os.devnull)
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        busy_before = machine_busy_cpu()
        started = time.monotonic()
        process = subprocess.Popen(
            list(command), env={**os.environ, **(env or {})}, cwd=cwd,
            stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
        with PeakMemory(process.pid, skip) as memory, CpuByRole([process.pid, *also]) as cpu:
            _, status, usage = os.wait4(process.pid, 0)
            code = process.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.monotonic() - started
        machine_cpu = machine_busy_cpu() - busy_before
    if code != 0:
        tail = log.read_text(errors="replace")[-3000:] if log.is_file() else ""
        raise RuntimeError(f"{' '.join(command)} exited {code}; its log ({log}) ends:\n{tail}")
    return Sample(
        seconds=seconds,
        peak_rss_mb=memory.peak / 2**20,
        cpu=cpu.seconds(),
        started=cpu.started(),
        accounted_cpu=usage.ru_utime + usage.ru_stime,
        machine_cpu=machine_cpu,
    )


def machine_busy_cpu() -> float:
    """CPU-seconds all cores of this machine have been busy since boot (not idle, not
    waiting for I/O)."""
    times = psutil.cpu_times()
    return sum(times) - times.idle - getattr(times, "iowait", 0.0)
