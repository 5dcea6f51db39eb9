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


def generate_assignment(solutions: Path, course_root: Path) -> Path:
    """Run nbgrader ``generate_assignment`` on ``solutions`` in the nbgrader course folder
    ``course_root``; return the folder of released notebooks."""
    from nbgrader.apps import NbGraderAPI

    source = course_root / "source" / ASSIGNMENT
    if source.exists():
        shutil.rmtree(source)
    # Translations (i18n/) are not part of the nbgrader assignment: see grader.grading.editions.
    shutil.copytree(solutions, source, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "i18n"))
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


def verify_solutions(solutions: Path, *, workers: int = 2) -> list[str]:
    """Grade every solution notebook as if a student handed it in; return what fell short.

    A release whose own solutions do not get full marks would grade the class wrongly.
    """
    from concurrent.futures import ThreadPoolExecutor

    from grader.grading.config import CELL_TIMEOUT, NOTEBOOK_TIMEOUT
    from grader.grading.unit import Unit, grade_unit
    from grader.lab.steps import STEPS

    with tempfile.TemporaryDirectory(prefix="release-check-") as tmp:
        root = Path(tmp) / "nbgrader"
        generate_assignment(solutions, root)
        units = [  # the graded steps (00_start has no tests) that this release holds
            Unit("solution", step, solutions / f"{step}.ipynb")
            for step in STEPS
            if (solutions / f"{step}.ipynb").is_file()
        ]

        def grade(unit: Unit):
            return grade_unit(
                unit,
                work=Path(tmp) / "work",
                template=root,
                cell_timeout=CELL_TIMEOUT,
                notebook_timeout=NOTEBOOK_TIMEOUT,
            )

        with ThreadPoolExecutor(max_workers=workers) as pool:
            graded = list(pool.map(grade, units))
    return [
        f"{result.notebook} / {test.test_id}: {test.points:g} of {test.max_points:g} points"
        + (f" ({test.reason})" if test.reason else "")
        for result in graded
        for test in result.tests
        if test.points < test.max_points
    ]


def release(
    *, solutions: Path | None = None, course: Path | None = None, check: bool = True
) -> list[Path]:
    """Regenerate the learner notebooks in ``course`` from ``solutions``, and each
    translated edition beside it (:func:`grader.grading.editions.edition_dir`).

    With ``check`` (the default), first grade the solutions and refuse, changing nothing,
    when any of them loses a point.
    """
    from grader.grading.editions import translate_all, write_editions
    from grader.paths import course_dir, solutions_dir

    solutions = solutions or solutions_dir()
    course = course or course_dir()
    if check:
        failures = verify_solutions(solutions)
        if failures:
            raise GraderError(
                "Not released: the solutions do not pass their own tests, so course/ is "
                "left as it was. Fix these first:\n  " + "\n  ".join(failures)
            )
    with tempfile.TemporaryDirectory(prefix="nbgrader-") as tmp:
        released = generate_assignment(solutions, Path(tmp))
        editions = translate_all(released, solutions)  # raises before anything is written
        course.mkdir(parents=True, exist_ok=True)
        for old in course.glob("*.ipynb"):
            old.unlink()
        written = []
        for notebook in sorted(released.glob("*.ipynb")):
            target = course / notebook.name
            shutil.copyfile(notebook, target)
            written.append(target)
        written += write_editions(editions, course)
    return written
