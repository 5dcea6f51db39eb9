"""Make the learner notebooks (``course/``) from the solutions with nbgrader.

``course/`` is generated, committed and never edited by hand; a test regenerates it and
fails when it differs from what is committed.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

from grader.exceptions import GraderError
from grader.grading.config import ASSIGNMENT, nbgrader_config

REPO = Path(__file__).resolve().parents[2]
SOLUTIONS = REPO / "solutions" / ASSIGNMENT
COURSE = REPO / "course" / ASSIGNMENT


def generate_assignment(solutions: Path, course_root: Path) -> Path:
    """Run nbgrader ``generate_assignment`` on ``solutions`` in the nbgrader course folder
    ``course_root``; return the folder of released notebooks."""
    from nbgrader.apps import NbGraderAPI

    source = course_root / "source" / ASSIGNMENT
    if source.exists():
        shutil.rmtree(source)
    shutil.copytree(solutions, source, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    # nbgrader runs the `alembic` command for its gradebook: it must find ours on PATH even
    # when this Python's environment is not activated.
    bin_dir = str(Path(sys.executable).parent)
    if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")
    api = NbGraderAPI(config=nbgrader_config(course_root))
    result = api.generate_assignment(ASSIGNMENT, force=True, create=True)
    if not result["success"]:
        raise GraderError(f"nbgrader generate_assignment failed:\n{result['error']}")
    return course_root / "release" / ASSIGNMENT


def release(*, solutions: Path = SOLUTIONS, course: Path = COURSE) -> list[Path]:
    """Regenerate the learner notebooks in ``course`` from ``solutions``."""
    with tempfile.TemporaryDirectory(prefix="nbgrader-") as tmp:
        released = generate_assignment(solutions, Path(tmp))
        course.mkdir(parents=True, exist_ok=True)
        for old in course.glob("*.ipynb"):
            old.unlink()
        written = []
        for notebook in sorted(released.glob("*.ipynb")):
            target = course / notebook.name
            shutil.copyfile(notebook, target)
            written.append(target)
    return written
