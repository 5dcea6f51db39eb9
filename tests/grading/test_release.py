"""course/ is exactly what nbgrader generate_assignment makes of solutions/."""

from __future__ import annotations

import json

from grader.grading.release import COURSE, SOLUTIONS, release


def test_course_is_generated_from_solutions(tmp_path):
    written = release(solutions=SOLUTIONS, course=tmp_path)
    assert [p.name for p in written] == sorted(p.name for p in COURSE.glob("*.ipynb"))
    for path in written:
        generated = json.loads(path.read_text(encoding="utf-8"))
        committed = json.loads((COURSE / path.name).read_text(encoding="utf-8"))
        assert generated == committed, (
            f"course/mlflow_lab/{path.name} is not what solutions/ generates: run `grader release`"
        )


def test_learner_notebooks_hide_solutions_and_hidden_tests():
    for path in COURSE.glob("*.ipynb"):
        text = path.read_text(encoding="utf-8")
        assert "BEGIN SOLUTION" not in text and "HIDDEN TESTS" not in text, path.name
        assert "hidden_call" not in text and "endpoint.others" not in text, path.name
