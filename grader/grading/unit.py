"""Grade one student's one notebook in its own sandbox, in a child process.

Each (student, notebook) is a unit: a fresh lab home (the notebook's setup cell restores
what earlier steps leave, so one step's mistake never costs points in another), its own
nbgrader folder and gradebook (SQLite has no busy timeout: workers never share one), its
own HOME and temp dirs. The child runs nbgrader; the parent enforces the notebook's time
limit and reaps every process of the sandbox afterwards.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat

from grader.grading import results as r
from grader.grading.collect import collect, unscored
from grader.grading.config import ASSIGNMENT
from grader.grading.isolation import Sandbox, reap


@dataclass(frozen=True)
class Unit:
    student: str
    notebook: str
    submitted: Path | None  # None: the student handed no such notebook


def readable(path: Path) -> bool:
    try:
        nbformat.validate(nbformat.read(path, as_version=4))
    except Exception:  # not JSON, not a notebook, damaged: all the same to the grader
        return False
    return True


def grade_unit(
    unit: Unit,
    *,
    work: Path,
    template: Path,
    cell_timeout: int,
    notebook_timeout: int,
) -> r.NotebookResult:
    """Grade ``unit``; ``template`` is an nbgrader course folder with the assignment made."""
    source = template / "source" / ASSIGNMENT / f"{unit.notebook}.ipynb"
    if unit.submitted is None:
        return unscored(source, r.MISSING)
    if not readable(unit.submitted):
        return unscored(source, r.UNREADABLE)

    sandbox = Sandbox(work / unit.student / unit.notebook, unit.student)
    if sandbox.root.exists():
        shutil.rmtree(sandbox.root)
    sandbox.create()
    root = sandbox.root / "nbgrader"
    shutil.copytree(template / "source", root / "source")
    shutil.copyfile(template / "gradebook.db", root / "gradebook.db")
    target = root / "submitted" / unit.student / ASSIGNMENT / f"{unit.notebook}.ipynb"
    target.parent.mkdir(parents=True)
    shutil.copyfile(unit.submitted, target)

    timed_out = _run_child(sandbox, root, unit, cell_timeout, notebook_timeout)
    reap(sandbox)
    if timed_out:
        return unscored(source, r.TIMED_OUT)
    return collect(root, unit.student, source)


def _run_child(sandbox: Sandbox, root: Path, unit: Unit, cell_timeout: int, limit: int) -> bool:
    """Run nbgrader in a child process group; True when it ran out of time."""
    command = [
        sys.executable, "-m", "grader.grading.autograde_unit",
        "--root", str(root), "--student", unit.student,
        "--notebook", unit.notebook, "--cell-timeout", str(cell_timeout),
    ]  # fmt: skip
    with open(sandbox.root / "autograde.log", "wb") as log:
        child = subprocess.Popen(
            command,
            env=sandbox.env(),
            cwd=root,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + limit
        while child.poll() is None:
            if time.monotonic() > deadline:
                os.killpg(child.pid, signal.SIGKILL)
                child.wait()
                return True
            time.sleep(0.5)
    return False
