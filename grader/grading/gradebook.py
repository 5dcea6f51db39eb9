"""Write the batch's scores into the instructor's nbgrader gradebook, serially.

Units are graded in private gradebooks (SQLite has no busy timeout, so parallel writers
would lose updates); this is the one writer of the class's gradebook, run after them.
"""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

from grader.grading.config import ASSIGNMENT
from grader.grading.results import StudentResult


def record(course_root: Path, results: list[StudentResult], work: Path) -> None:
    """Scores into ``course_root/gradebook.db``; autograded notebooks beside them."""
    from nbgrader.api import Gradebook, MissingEntry
    from sqlalchemy.exc import SAWarning

    with warnings.catch_warnings(), Gradebook(f"sqlite:///{course_root / 'gradebook.db'}") as gb:
        # nbgrader's own add_submission trips SQLAlchemy autoflush warnings: not ours to fix.
        warnings.simplefilter("ignore", SAWarning)
        for student in results:
            gb.update_or_create_student(student.student)
            try:
                gb.find_submission(ASSIGNMENT, student.student)
            except MissingEntry:
                gb.add_submission(ASSIGNMENT, student.student)
            for notebook in student.notebooks:
                for test in notebook.tests:
                    try:
                        grade = gb.find_grade(
                            test.test_id, notebook.notebook, ASSIGNMENT, student.student
                        )
                    except MissingEntry:
                        continue
                    grade.auto_score = test.points
                    grade.needs_manual_grade = False
                    grade.manual_score = None
            gb.db.commit()
    for student in results:
        for notebook in student.notebooks:
            graded = (
                work / student.student / notebook.notebook / "nbgrader" / "autograded"
                / student.student / ASSIGNMENT / f"{notebook.notebook}.ipynb"
            )  # fmt: skip
            if graded.exists():
                dest = course_root / "autograded" / student.student / ASSIGNMENT / graded.name
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(graded, dest)
