"""Write the batch's scores into the instructor's nbgrader gradebook, serially.

Units are graded in private gradebooks (SQLite has no busy timeout, so parallel writers
would lose updates); this is the one writer of the class's gradebook, run after them.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from grader.grading.config import ASSIGNMENT
from grader.grading.results import StudentResult


def record(course_root: Path, results: list[StudentResult], work: Path) -> None:
    """Scores into ``course_root/gradebook.db``; autograded notebooks beside them."""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(f"sqlite:///{course_root / 'gradebook.db'}") as gb:
        for student in results:
            gb.update_or_create_student(student.student)
            gb.update_or_create_submission(ASSIGNMENT, student.student)
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
