"""A tampered submission is put back on the assignment's frame before nbgrader reads it."""

from __future__ import annotations

import nbformat
import pytest

from grader.grading.restore import restore
from tests.grading.make_submissions import SOLUTIONS, learner_notebook

STEP = "01_provision"


def source():
    return nbformat.read(SOLUTIONS / f"{STEP}.ipynb", as_version=4)


def frame(nb) -> list[tuple[str | None, object, str]]:
    """(grade id, points, first line) of each code cell."""
    return [
        (
            c.metadata.get("nbgrader", {}).get("grade_id"),
            c.metadata.get("nbgrader", {}).get("points"),
            c.source.splitlines()[0] if c.source else "",
        )
        for c in nb.cells
        if c.cell_type == "code"
    ]


def cell(nb, cell_id: str):
    return next(c for c in nb.cells if c.id == cell_id)


def test_an_untouched_submission_keeps_its_frame_and_answers():
    nb = learner_notebook(STEP)
    expected = frame(nb)
    assert frame(restore(nb, source())) == expected


def test_an_edited_test_cell_is_the_released_one_again():
    nb = learner_notebook(STEP)
    cell(nb, "check_data").source = "pass"
    cell(nb, "check_connect").metadata["nbgrader"]["points"] = 100
    restored = restore(nb, source())
    assert cell(restored, "check_data").source == cell(source(), "check_data").source
    assert cell(restored, "check_connect").metadata["nbgrader"]["points"] == 1


def test_a_deleted_test_cell_is_put_back_in_its_place():
    nb = learner_notebook(STEP)
    nb.cells = [c for c in nb.cells if c.id != "check_data"]
    ids = [gid for gid, _, _ in frame(restore(nb, source())) if gid]
    assert ids == ["parameters", "setup", "connect", "check_connect", "upload", "check_data"]


def test_an_invented_test_and_a_renamed_grade_id_score_nothing():
    nb = learner_notebook(STEP)
    upload = cell(nb, "upload")
    upload.metadata["nbgrader"].update(grade=True, points=10, locked=True)
    check = cell(nb, "check_data")
    check.metadata["nbgrader"].update(grade_id="check_bonus", points=50)
    restored = restore(nb, source())
    grades = {
        c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"].get("points")
        for c in restored.cells
        if c.metadata.get("nbgrader", {}).get("grade")
    }
    assert grades == {"check_connect": 1, "check_data": 2}
    assert (
        cell(restored, "upload").source
        == learner_notebook(STEP)
        .cells[[c.id for c in learner_notebook(STEP).cells].index("upload")]
        .source
    )  # the learner's answer stays
    assert len({c.id for c in restored.cells}) == len(restored.cells)


@pytest.mark.parametrize("other", ["02_cluster", "07_cleanup"])
def test_another_notebook_under_this_name_never_brings_the_solution_in(other):
    nb = learner_notebook(STEP)
    target = nbformat.read(SOLUTIONS / f"{other}.ipynb", as_version=4)
    restored = restore(nb, target)
    answers = [
        c for c in target.cells if c.metadata.get("nbgrader", {}).get("solution")
    ]  # the solution cells of the notebook it claims to be
    assert not any(a.source in [c.source for c in restored.cells] for a in answers)
    tests = [c for c in restored.cells if c.metadata.get("nbgrader", {}).get("grade")]
    assert {c.metadata["nbgrader"]["grade_id"] for c in tests} == {
        c.metadata["nbgrader"]["grade_id"]
        for c in target.cells
        if c.metadata.get("nbgrader", {}).get("grade")
    }
