"""course/ is exactly what nbgrader generate_assignment makes of solutions/."""

from __future__ import annotations

import json

import nbformat
import pytest

from grader.checks.i18n import TRANSLATED
from grader.exceptions import GraderError
from grader.grading.editions import edition_dir
from grader.grading.release import release
from tests.notebooks.conftest import COURSE, SOLUTIONS


def test_course_is_generated_from_solutions(tmp_path):
    course = tmp_path / "course" / "mlflow_lab"
    written = release(solutions=SOLUTIONS, course=course, check=False)
    names = sorted(p.name for p in COURSE.glob("*.ipynb"))
    editions = [edition_dir(COURSE, lang) for lang in ("en", *TRANSLATED)]
    assert [p.relative_to(course.parent) for p in written] == [
        (e / n).relative_to(COURSE.parent) for e in editions for n in names
    ]
    for path in written:
        generated = json.loads(path.read_text(encoding="utf-8"))
        committed_path = COURSE.parent / path.relative_to(course.parent)
        committed = json.loads(committed_path.read_text(encoding="utf-8"))
        assert generated == committed, (
            f"{committed_path} is not what solutions/ generates: run `grader release`"
        )


def test_learner_notebooks_hide_solutions_and_hidden_tests():
    for path in COURSE.glob("*.ipynb"):
        text = path.read_text(encoding="utf-8")
        assert "BEGIN SOLUTION" not in text and "HIDDEN TESTS" not in text, path.name
        assert "hidden_call" not in text and "endpoint.others" not in text, path.name


@pytest.mark.slow
def test_release_refuses_solutions_that_fail_their_tests(tmp_path):
    solutions = tmp_path / "solutions"
    solutions.mkdir()
    notebook = nbformat.read(SOLUTIONS / "01_provision.ipynb", as_version=4)
    connect = next(c for c in notebook.cells if c.id == "connect")
    connect.source = "w = lab.workspace_client()\nme = None"
    nbformat.write(notebook, solutions / "01_provision.ipynb")
    course = tmp_path / "course"
    course.mkdir()
    (course / "kept.ipynb").write_text("{}")
    with pytest.raises(GraderError) as info:
        release(solutions=solutions, course=course)
    assert "01_provision / check_connect: 0 of 1 points" in str(info.value)
    assert [p.name for p in course.iterdir()] == ["kept.ipynb"]  # nothing lost
