"""The main job: run the seven notebooks of the course headlessly, in order.

A pipeline of small named steps (nox's ``workflow`` style): prepare the run's environment,
run each notebook with papermill, clean up whatever is still running, then summarise what
the lab made. Any failing cell stops the run with the notebook and the cell named.

One pipeline for both backends; the backend is a parameter. ``local``: a fresh lab home
under ``out``, each notebook in a warm kernel (:mod:`grader.run.warm_start`) started while
the one before runs. ``databricks``: each notebook through papermill's ``databricks``
engine (:mod:`grader.run.databricks.engine`), 01, 02, 06 and 07 in a local kernel that talks
to the workspace, 03-05 on the learner's cluster; ``nox -s databricks`` runs it against
the workspace of ``DATABRICKS_HOST``.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

from grader.exceptions import CourseRunError
from grader.lab.home import LabHome
from grader.lab.quiet import OFFLINE_ENV, QUIET_ENV
from grader.lab.steps import STEPS
from grader.run.notebook_run import execute_notebook
from grader.run.warm_start import WarmRun

Backend = Literal["local", "databricks"]
BACKENDS: tuple[Backend, ...] = ("local", "databricks")
#: Seconds one cell may take, by default: a Databricks cell may wait for a cluster to start.
CELL_TIMEOUT: dict[Backend, int] = {"local": 600, "databricks": 3600}


@dataclass
class NotebookResult:
    """One notebook that ran to its end: how long it took and where its output is."""

    name: str
    seconds: float
    output: Path


@dataclass
class CourseRun:
    """What a run of the course produced, on either backend."""

    backend: Backend
    out: Path
    #: The run's fresh lab home (the local backend; None on Databricks).
    home: LabHome | None = None
    notebooks: list[NotebookResult] = field(default_factory=list)
    #: Endpoints the course left running, stopped at its end (the local backend).
    leftovers: list[str] = field(default_factory=list)


class NotebookRun(Protocol):
    """A notebook's run as the pipeline drives it: started early, let go in its turn."""

    def go(self) -> None: ...

    def wait(self) -> dict: ...

    def cancel(self) -> None: ...


@dataclass
class WorkspaceRun:
    """A notebook run through papermill's ``databricks`` engine, in this process, when its
    turn comes (nothing to warm: the Spark steps run on the cluster)."""

    source: Path
    output: Path
    kernel: str
    cell_timeout: int

    def go(self) -> None:
        pass

    def wait(self) -> dict:
        return execute_notebook(
            self.source, self.output, parameters={"backend": "databricks"},
            engine="databricks", kernel=self.kernel, cell_timeout=self.cell_timeout,
        )  # fmt: skip

    def cancel(self) -> None:
        pass


def fresh_home(path: Path) -> LabHome:
    """An empty lab home at ``path`` (whatever was there is removed)."""
    from grader.lab import serving

    if path.exists():
        serving.stop_all(LabHome(path))  # an earlier run's endpoint must not outlive its home
        shutil.rmtree(path)
    return LabHome(path).ensure()


def kernel_env(home: LabHome | None) -> dict[str, str]:
    """The environment the notebooks' kernels get: the backend (with this lab home on the
    local one), offline and quiet."""
    if home is None:
        return {"MLFLOW_LAB_BACKEND": "databricks"} | OFFLINE_ENV | QUIET_ENV
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
    backend: Backend = "local",
    notebooks: Path | None = None,
    out: Path | None = None,
    kernel: str = "python3",
    cell_timeout: int | None = None,
    only: list[str] | None = None,
    on_start: Callable[[int, str], None] = lambda i, name: None,
    on_done: Callable[[NotebookResult], None] = lambda result: None,
) -> CourseRun:
    """Run the course's notebooks in order on ``backend``, into ``out`` (default: the
    solutions, into ``build/course`` of the checkout; on the local backend, in a fresh lab
    home under it)."""
    from grader.paths import course_repo, solutions_dir

    if backend not in BACKENDS:
        raise CourseRunError(f"No backend {backend!r}: choose one of {', '.join(BACKENDS)}.")
    notebooks = notebooks or solutions_dir()
    out = out or course_repo() / "build" / "course"
    timeout = cell_timeout or CELL_TIMEOUT[backend]

    out.mkdir(parents=True, exist_ok=True)
    home = fresh_home(out / "lab-home") if backend == "local" else None
    run = CourseRun(backend=backend, out=out, home=home)
    os.environ.update(kernel_env(home))
    names = [s for s in STEPS if not only or s in only]
    for name in names:
        if not (notebooks / f"{name}.ipynb").exists():
            raise CourseRunError(f"{notebooks / f'{name}.ipynb'} is missing.")

    def start(name: str) -> NotebookRun:
        source, output = notebooks / f"{name}.ipynb", out / f"{name}.ipynb"
        if home is None:
            return WorkspaceRun(source, output, kernel, timeout)
        return WarmRun.start(
            source, output, home=str(home.root), kernel=kernel, cell_timeout=timeout
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
        if home is not None:
            from grader.lab import serving

            run.leftovers = serving.stop_all(home)
    return run
