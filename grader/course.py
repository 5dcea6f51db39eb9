"""The main job: run the seven notebooks of the course headlessly, in order.

A pipeline of small named steps (nox's ``workflow`` style): prepare a fresh lab home, run
each notebook with papermill, clean up whatever is still running, then summarise what the
lab made. Any failing cell stops the run with the notebook and the cell named.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from grader.exceptions import CourseRunError
from grader.lab.home import LabHome
from grader.lab.quiet import OFFLINE_ENV, QUIET_ENV
from grader.lab.steps import STEPS
from grader.warm_start import WarmRun


@dataclass
class NotebookResult:
    name: str
    seconds: float
    output: Path


@dataclass
class CourseRun:
    """What a run of the course produced."""

    home: LabHome
    out: Path
    notebooks: list[NotebookResult] = field(default_factory=list)
    leftovers: list[str] = field(default_factory=list)


def fresh_home(path: Path) -> LabHome:
    """An empty lab home at ``path`` (whatever was there is removed)."""
    from grader.lab import serving

    if path.exists():
        serving.stop_all(LabHome(path))  # an earlier run's endpoint must not outlive its home
        shutil.rmtree(path)
    return LabHome(path).ensure()


def kernel_env(home: LabHome) -> dict[str, str]:
    """The environment the notebooks' kernels get: this lab home, offline and quiet."""
    return (
        {"MLFLOW_LAB_HOME": str(home.root), "MLFLOW_LAB_BACKEND": "local"} | OFFLINE_ENV | QUIET_ENV
    )


def failure_error(source: Path, output: Path, failure: dict) -> CourseRunError:
    """A failed notebook (papermill's ``exec_count``, ``ename``, ``evalue``) as the error the
    course shows: the notebook, the cell (id and first line), and where the output is."""
    where = describe_cell(output, failure.get("exec_count"))
    return CourseRunError(
        f"{source.name}: {where} failed with {failure['ename']}: {failure['evalue']}\n"
        f"The executed notebook is {output}."
    )


def describe_cell(executed: Path, exec_count: int | None) -> str:
    """Name a cell the way an author finds it: its id, and its first line of code.

    Found by execution count: papermill adds cells (parameters, an error banner), so
    indices in the executed notebook are not those of the source."""
    import nbformat

    if exec_count is None or not executed.is_file():
        return "the notebook"
    cells = nbformat.read(executed, as_version=4).cells
    cell = next((c for c in cells if c.get("execution_count") == exec_count), None)
    if cell is None:
        return f"the cell run as [{exec_count}]"
    first = next((line for line in cell.source.splitlines() if line.strip()), "")
    return f"cell {cell.get('id', exec_count)!r} ({first.strip()[:60]})"


def run_course(
    *,
    notebooks: Path | None = None,
    out: Path | None = None,
    kernel: str = "python3",
    cell_timeout: int = 600,
    only: list[str] | None = None,
    on_start: Callable[[int, str], None] = lambda i, name: None,
    on_done: Callable[[NotebookResult], None] = lambda result: None,
) -> CourseRun:
    """Run the course's notebooks in order in a fresh lab home under ``out``
    (default: the solutions, into ``build/course`` of the checkout)."""
    from grader.lab import serving
    from grader.paths import course_repo, solutions_dir

    notebooks = notebooks or solutions_dir()
    out = out or course_repo() / "build" / "course"

    out.mkdir(parents=True, exist_ok=True)
    run = CourseRun(home=fresh_home(out / "lab-home"), out=out)
    os.environ.update(kernel_env(run.home))
    names = [s for s in STEPS if not only or s in only]
    for name in names:
        if not (notebooks / f"{name}.ipynb").exists():
            raise CourseRunError(f"{notebooks / f'{name}.ipynb'} is missing.")

    def start(name: str) -> WarmRun:
        return WarmRun.start(
            notebooks / f"{name}.ipynb",
            out / f"{name}.ipynb",
            home=str(run.home.root),
            kernel=kernel,
            cell_timeout=cell_timeout,
        )

    # The next notebook's kernel starts and imports while this one's kernel warms and its
    # cells run. More ahead is no faster on two cores: the first notebook then waits.
    upcoming = start(names[0]) if names else None
    try:
        for i, name in enumerate(names, 1):
            current, upcoming = upcoming, start(names[i]) if i < len(names) else None
            on_start(i, name)
            started = time.monotonic()
            current.go()
            failure = current.wait()
            output = out / f"{name}.ipynb"
            if failure:
                raise failure_error(notebooks / f"{name}.ipynb", output, failure)
            result = NotebookResult(name, time.monotonic() - started, output)
            run.notebooks.append(result)
            on_done(result)
    finally:
        if upcoming is not None:
            upcoming.cancel()
        run.leftovers = serving.stop_all(run.home)
    return run
