"""Where the course's notebooks are: the checkout that holds ``solutions/`` and ``course/``.

The package may be installed into a virtual environment (as nox does), so the notebooks
are not next to the code: they are found from the current folder upwards, as git finds
its repository, and only then next to the package (a development checkout).
"""

from __future__ import annotations

from pathlib import Path

from grader.exceptions import GraderError
from grader.lab.steps import ASSIGNMENT


def course_repo(start: Path | None = None) -> Path:
    """The folder holding ``solutions/mlflow_lab``: ``start`` (default: the current
    folder), one of its parents, or the folder above this package."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents, Path(__file__).resolve().parent.parent):
        if (folder / "solutions" / ASSIGNMENT).is_dir():
            return folder
    raise GraderError(
        f"No solutions/{ASSIGNMENT} folder in {here} or above it: run this from the course's "
        "checkout (the folder with solutions/ and course/)."
    )


def solutions_dir() -> Path:
    return course_repo() / "solutions" / ASSIGNMENT


def course_dir() -> Path:
    return course_repo() / "course" / ASSIGNMENT
