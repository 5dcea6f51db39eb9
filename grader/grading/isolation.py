"""Each graded unit gets its own world: lab home, HOME, temp and Spark dirs, user name.

And when it ends, nothing it started may live on: :func:`reap` stops its endpoints and
kills every process whose command line or environment names its folder (kernels, Spark
JVMs, model servers, and whatever a submission started on its own).
"""

from __future__ import annotations

import contextlib
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import psutil

from grader.lab.home import LabHome
from grader.lab.processes import stop_processes
from grader.lab.quiet import OFFLINE_ENV, QUIET_ENV

#: Variables a unit must not inherit from the instructor's session.
DROP = ("MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI", "MLFLOW_EXPERIMENT_NAME", "JAVA_TOOL_OPTIONS")


@dataclass(frozen=True)
class UnitFolders:
    """The folders of one (student, notebook) unit.

    ``root`` holds what the grader keeps of the unit (its nbgrader folder, logs); ``live``,
    when given, holds what the learner's kernel writes (lab home, HOME, TMPDIR): a neutral
    folder outside the output folder, so that nothing the kernel can see (its mount table,
    its records) names the instructor's paths. Without it, both are ``root``.
    """

    root: Path
    student: str
    live: Path | None = None
    #: The edition of the notebook graded here (its metadata's), for the kernel's checks.
    language: str | None = None

    @property
    def lab_home(self) -> LabHome:
        return LabHome((self.live or self.root) / "lab-home")

    @property
    def home(self) -> Path:
        return (self.live or self.root) / "home"

    @property
    def tmp(self) -> Path:
        return (self.live or self.root) / "tmp"

    def create(self) -> UnitFolders:
        for folder in (self.home, self.tmp):
            folder.mkdir(parents=True, exist_ok=True)
        self.lab_home.ensure()
        return self

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in DROP}
        bin_dir = str(Path(sys.executable).parent)
        env.update(OFFLINE_ENV | QUIET_ENV)
        env.update(
            {
                "HOME": str(self.home),
                "TMPDIR": str(self.tmp),
                "MLFLOW_LAB_HOME": str(self.lab_home.root),
                "MLFLOW_LAB_BACKEND": "local",
                "MLFLOW_LAB_USER": self.student,
                "SPARK_LOCAL_DIRS": str(self.lab_home.spark),
                "PATH": bin_dir + os.pathsep + env.get("PATH", ""),
                "JUPYTER_PLATFORM_DIRS": "1",
                "PYTHONDONTWRITEBYTECODE": "1",
            }
        )
        if self.language:  # the checks speak the hand-in's language (grader/checks/i18n.py)
            env["MLFLOW_LAB_LANG"] = self.language
        return env


def processes_of(folder: Path) -> list[psutil.Process]:
    """Live processes whose command line or environment names ``folder``."""
    needle = str(folder)
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        if proc.pid == os.getpid():
            continue
        try:
            if proc.status() == psutil.STATUS_ZOMBIE:
                continue
            text = " ".join(proc.info["cmdline"] or [])
            if needle in text or any(needle in v for v in proc.environ().values()):
                found.append(proc)
        except (psutil.Error, OSError):
            continue
    return found


def reap(sandbox: UnitFolders) -> list[int]:
    """Stop the unit's endpoints, then kill whatever of it still runs; return killed pids."""
    from grader.lab import serving

    # A damaged record must not keep processes alive: whatever stop_all misses dies below.
    with contextlib.suppress(Exception):
        serving.stop_all(sandbox.lab_home)
    killed = kill_processes_of(sandbox.root)
    return killed + (kill_processes_of(sandbox.live) if sandbox.live else [])


def kill_processes_of(folder: Path) -> list[int]:
    """Kill every live process that names ``folder`` and wait for them; return their pids."""
    procs = processes_of(folder)
    stop_processes(procs)
    return [p.pid for p in procs]
