"""The whole course on a Databricks workspace, headlessly: ``python -m grader.lab.databricks.course``.

Each notebook goes through papermill's ``databricks`` engine with ``backend="databricks"``:
01, 02 and 07 in a local kernel that talks to the workspace, 03-06 on the learner's
cluster. A failed cell stops the run with the notebook and the cell named. ``nox -s
databricks`` runs this against the workspace of ``DATABRICKS_HOST``.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from grader.course import failure_error
from grader.exceptions import CourseRunError, GraderError
from grader.lab.quiet import OFFLINE_ENV, QUIET_ENV
from grader.lab.steps import STEPS
from grader.notebook_run import execute_notebook


@dataclass
class NotebookRun:
    name: str
    seconds: float
    output: Path


def run_notebook(source: Path, output: Path, *, kernel: str, cell_timeout: int) -> None:
    failure = execute_notebook(
        source, output, parameters={"backend": "databricks"}, engine="databricks",
        kernel=kernel, cell_timeout=cell_timeout,
    )  # fmt: skip
    if failure:
        raise failure_error(source, output, failure)


def run_course(
    *,
    notebooks: Path | None = None,
    out: Path,
    kernel: str = "python3",
    cell_timeout: int = 3600,
    only: list[str] | None = None,
    say=print,
) -> list[NotebookRun]:
    """Run the course's notebooks in order on the workspace; what each took."""
    from grader.paths import solutions_dir

    notebooks = notebooks or solutions_dir()
    out.mkdir(parents=True, exist_ok=True)
    os.environ.update({"MLFLOW_LAB_BACKEND": "databricks"} | OFFLINE_ENV | QUIET_ENV)
    runs = []
    for name in [s for s in STEPS if not only or s in only]:
        source = notebooks / f"{name}.ipynb"
        if not source.exists():
            raise CourseRunError(f"{source} is missing.")
        started = time.monotonic()
        output = out / f"{name}.ipynb"
        run_notebook(source, output, kernel=kernel, cell_timeout=cell_timeout)
        runs.append(NotebookRun(name, time.monotonic() - started, output))
        say(f"✓ {name}  {runs[-1].seconds:6.1f} s")
    return runs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("build/course-databricks"))
    parser.add_argument("--notebooks", type=Path, default=None)
    parser.add_argument("--only", action="append", default=None, help="e.g. 07_cleanup")
    parser.add_argument("--cell-timeout", type=int, default=3600)
    args = parser.parse_args(argv)
    logging.basicConfig(format="  %(message)s")  # the engine's progress: run states, waits
    logging.getLogger("papermill").setLevel(logging.INFO)
    try:
        run_course(notebooks=args.notebooks, out=args.out.resolve(), only=args.only,
                   cell_timeout=args.cell_timeout)  # fmt: skip
    except GraderError as exc:
        print(f"✗ The course run on Databricks failed.\n{exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
