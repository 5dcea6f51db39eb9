"""Where a grader's CPU goes: CPU-seconds by phase, for ours and for plain nbgrader.

A grading run is a tree of processes, each with one job: the sandbox's helpers (``bwrap``,
``setpriv``), the learner's kernel, Spark's JVM, nbgrader, the outcome audit, the grader
itself. :class:`CpuByRole` samples the trees of some root processes and keeps each
process's latest CPU time (user + system) under its role, so the split needs no change to
either grader. A process that lives shorter than one sample is missed: the coverage
(sampled CPU over the CPU the operating system accounted to the tree's root) is reported.

Starting a kernel and starting a JVM are not processes of their own: :func:`start_costs`
measures each once, bare, and the table attributes that much per started kernel or JVM to
"kernel start" and "JVM start"; the rest of the kernels' and JVMs' CPU is "notebook" (the
learner's cells and the Spark work they ask for, the model server of step 06 included).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import psutil

from bench.measure import Sampler

#: Sampling period: short enough to see most short-lived helpers, cheap on 2 cores.
EVERY = 0.25
#: Phases in the order the table shows them.
PHASES = ("sandbox", "kernel start", "JVM start", "notebook", "nbgrader", "audit", "grader")


def role(cmdline: list[str]) -> str:
    """The job of a process, from its command line."""
    text = " ".join(cmdline)
    program = Path(cmdline[0]).name if cmdline else ""
    if program in ("bwrap", "setpriv"):
        return "sandbox"
    if program == "java":
        return "jvm"
    if "ipykernel_launcher" in text:
        return "kernel"
    if "mlflow" in text and ("models serve" in text or "scoring_server" in text):
        return "notebook"  # the learner's endpoint: part of the notebook's own work
    if "grader.grading.outcomes" in text:
        return "audit"
    # the units' nbgrader processes carry their fork server's command line
    if any(
        job in text
        for job in ("multiprocessing.forkserver", "grader.grading.autograde_unit", "nbgrader")
    ):
        return "nbgrader"
    return "grader"  # the grader, its pool or Dask worker, the starting states, gunicorn


class CpuByRole(Sampler):
    """Samples the process trees of ``roots`` in a thread; CPU-seconds and counts by role."""

    every = EVERY

    def __init__(self, roots: list[int]) -> None:
        super().__init__()
        self._roots = [psutil.Process(pid) for pid in roots]
        self._latest: dict[tuple[int, float], tuple[str, float]] = {}

    def sample(self) -> None:
        for root in self._roots:
            with contextlib.suppress(psutil.Error):
                for proc in [root, *root.children(recursive=True)]:
                    with contextlib.suppress(psutil.Error):
                        # Read the role each time: setpriv becomes the kernel by exec, and
                        # CPU times run on across an exec (the kernel's count from there).
                        key = (proc.pid, proc.create_time())
                        cpu = proc.cpu_times()
                        self._latest[key] = (role(proc.cmdline()), cpu.user + cpu.system)

    def seconds(self) -> dict[str, float]:
        totals: Counter[str] = Counter()
        for job, cpu in self._latest.values():
            totals[job] += cpu
        return dict(totals)

    def started(self) -> dict[str, int]:
        return dict(Counter(job for job, _ in self._latest.values()))


def by_phase(seconds: dict[str, float], started: dict[str, int], costs: dict[str, float]):
    """Sampled CPU by role → CPU by phase, with the bare start costs split off."""
    kernels, jvms = started.get("kernel", 0), started.get("jvm", 0)
    kernel_start = min(seconds.get("kernel", 0.0), kernels * costs["kernel start"])
    jvm_start = min(seconds.get("jvm", 0.0), jvms * costs["JVM start"])
    return {
        "sandbox": seconds.get("sandbox", 0.0),
        "kernel start": kernel_start,
        "JVM start": jvm_start,
        "notebook": seconds.get("kernel", 0.0) - kernel_start + seconds.get("jvm", 0.0)
        - jvm_start + seconds.get("notebook", 0.0),
        "nbgrader": seconds.get("nbgrader", 0.0),
        "audit": seconds.get("audit", 0.0),
        "grader": seconds.get("grader", 0.0),
    }  # fmt: skip


_KERNEL = """
import time
from jupyter_client.manager import start_new_kernel
manager, client = start_new_kernel(kernel_name="python3")
client.execute_interactive("1", timeout=60)
print(manager.provisioner.process.pid, flush=True)
time.sleep(1.5)
"""

_JVM = """
import time
from pathlib import Path
from grader.lab.home import LabHome
from grader.lab.spark import start_session
spark = start_session(LabHome(Path({home!r})), app_name="bench", cores=2, memory="1g")
spark.range(1).count()
print("ready", flush=True)
time.sleep(1.5)
"""


def start_costs() -> dict[str, float]:
    """CPU-seconds of one bare kernel start (to its first answer) and one JVM start (a Spark
    session to its first job), each measured in a fresh process tree."""
    with tempfile.TemporaryDirectory() as home:
        return {
            "kernel start": _tree_cpu(_KERNEL, "kernel", home),
            "JVM start": _tree_cpu(_JVM.format(home=home), "jvm", home),
        }


def _tree_cpu(code: str, job: str, home: str) -> float:
    """CPU of the ``job`` processes started by ``code``, read while they are still alive."""
    env = os.environ | {"MLFLOW_LAB_HOME": home, "HOME": home}
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, env=env,
                             text=True)  # fmt: skip
    try:
        child.stdout.readline()  # the job is up and has answered once
        time.sleep(0.5)
        with CpuByRole([child.pid]) as cpu:
            time.sleep(EVERY * 2)
        return cpu.seconds().get(job, 0.0)
    finally:
        child.kill()
        child.wait()
        for proc in psutil.process_iter(["environ"]):
            with contextlib.suppress(psutil.Error, TypeError):
                if (proc.info["environ"] or {}).get("MLFLOW_LAB_HOME") == home:
                    proc.kill()
