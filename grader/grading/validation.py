"""Validate in a copy: nbgrader's Validate never touches the learner's own lab.

Validate runs the whole notebook from the top in a fresh kernel. In the learner's lab home
that run is an act, not a check: a mistaken cell deletes the learner's data file, step 06
registers another model version and starts a model server that outlives the kernel. So the
kernel Validate starts gets a throwaway copy of the lab home, made the way an autograded
unit's home is seeded (:func:`grader.grading.starting_states.copy_home`), and when the kernel
shuts down everything that names the copy (Spark's JVM, a model server) is killed and the
copy removed.

The plugin point is the kernel manager of nbgrader's ``Execute`` preprocessor (nbclient's
``kernel_manager_class``, a configurable trait): ``grader lab`` writes
``c.Execute.kernel_manager_class`` into the lab's nbgrader configuration. Copies left by a
server that was killed (its pid in the folder name) are removed the next time.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import psutil
from jupyter_client.manager import AsyncKernelManager

from grader.config import Settings
from grader.grading.isolation import kill_processes_of
from grader.grading.starting_states import copy_home
from grader.lab.home import LabHome

#: The folder name of a copy: the Jupyter server's pid tells a live copy from a stale one.
PREFIX = "mlflow-lab-validate-"


def _stale_copies() -> list[Path]:
    """Copies made by Jupyter servers that are no longer running."""
    found = []
    for folder in Path(tempfile.gettempdir()).glob(f"{PREFIX}*-*"):
        pid = folder.name[len(PREFIX) :].split("-", 1)[0]
        if pid.isdigit() and not psutil.pid_exists(int(pid)):
            found.append(folder)
    return found


def remove_copy(folder: Path) -> None:
    """Kill every process that names ``folder`` (kernel, Spark, model server), then delete it."""
    kill_processes_of(folder)
    shutil.rmtree(folder, ignore_errors=True)


def make_copy(learner: LabHome) -> LabHome:
    """A fresh throwaway copy of ``learner``'s lab home in the temp folder."""
    for stale in _stale_copies():
        remove_copy(stale)
    folder = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-"))
    return copy_home(learner.ensure(), LabHome(folder / "lab-home"))


class CopyKernelManager(AsyncKernelManager):
    """A kernel on a throwaway copy of the learner's lab home, removed at shutdown."""

    _copy: LabHome | None = None

    async def _async_pre_start_kernel(self, **kw: Any) -> tuple[list[str], dict[str, Any]]:
        if self._copy is None:
            learner = LabHome(Settings.from_env().home_path)
            self._copy = make_copy(learner)
            self.log.info("Validate runs in a copy of the lab home %s", learner.root)
        env = dict(kw.get("env") or os.environ)
        env["MLFLOW_LAB_HOME"] = str(self._copy.root)
        env["SPARK_LOCAL_DIRS"] = str(self._copy.spark)
        kw["env"] = env
        return await super()._async_pre_start_kernel(**kw)

    pre_start_kernel = _async_pre_start_kernel

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if not restart and self._copy is not None:
            with contextlib.suppress(OSError):
                remove_copy(self._copy.root.parent)
            self._copy = None

    cleanup_resources = _async_cleanup_resources
