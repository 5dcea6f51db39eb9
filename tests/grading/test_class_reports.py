"""Whatever one hand-in is, the class's reports are written: clashing names, stray files, a
notebook past its cap and a unit the grader fails on (no kernel is started here)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from grader.grading import autograde as batch_grading
from grader.grading import submissions
from grader.grading.autograde import autograde
from tests.grading.make_submissions import STEPS, learner_notebook, write_student

pytestmark = pytest.mark.slow  # nbgrader generates the assignment: most of a minute


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> tuple[batch_grading.Batch, Path]:
    root = tmp_path_factory.mktemp("class")
    subs, out = root / "subs", root / "out"
    for name in ("alice", "ALICE"):  # the same student twice, as an LMS may export them
        (subs / name).mkdir(parents=True)
        (subs / name / "notes.txt").write_text("nothing handed in yet")
    big = learner_notebook("01_provision")
    big.cells[0].source += "\n# " + "x" * 100_000
    write_student(subs, "bob", {"01_provision": big})
    write_student(subs, "carol", {"01_provision": learner_notebook("01_provision")})
    (subs / "README.md").write_text("the class of 2026")

    real = batch_grading.grade_unit

    def grade_unit(unit, **kwargs):
        if unit.submitted is not None:  # carol's one hand-in: the others start no kernel
            raise RuntimeError(f"the grader broke on {unit.student}")
        return real(unit, **kwargs)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(submissions, "MAX_NOTEBOOK_BYTES", 50_000)
        mp.setattr(batch_grading, "grade_unit", grade_unit)
        batch = autograde(submissions_dir=subs, out=out, unsafe=True, workers=1)
    return batch, out


def test_every_hand_in_has_a_row_and_the_stray_file_none(graded):
    batch, out = graded
    rows = {r["student"]: r for r in read_csv(out / "grades.csv")}
    assert sorted(rows) == ["ALICE-2", "alice", "bob", "carol"]
    assert batch.ignored == ["README.md"]
    assert "- README.md" in (out / "summary" / "summary.md").read_text(encoding="utf-8")
    assert batch.errors == []


def test_names_differing_in_case_are_both_graded_with_the_reason(graded):
    _, out = graded
    rows = {r["student"]: r for r in read_csv(out / "grades.csv")}
    for student in ("alice", "ALICE-2"):
        assert "have the same name ignoring case" in rows[student]["reason"]
    pages = sorted(p.name for p in (out / "feedback").iterdir())
    assert pages == ["ALICE-2.html", "alice.html", "bob.html", "carol.html"]


def test_a_notebook_past_its_cap_scores_nothing_with_the_reason(graded):
    batch, out = graded
    bob = next(s for s in batch.students if s.student == "bob")
    reason = bob.notebook("01_provision").reason
    assert reason.startswith("too large: 01_provision.ipynb is")
    tests = [r for r in read_csv(out / "tests.csv") if r["student"] == "bob"]
    assert tests and all(r["reason"] == reason for r in tests if r["notebook"] == "01_provision")


def test_a_unit_the_grader_fails_on_is_that_units_error(graded):
    batch, out = graded
    carol = next(s for s in batch.students if s.student == "carol")
    result = carol.notebook("01_provision")
    assert result.score == 0
    assert result.reason == "grading error: RuntimeError: the grader broke on carol"
    assert all(carol.notebook(s).reason == "missing" for s in STEPS[1:])
    assert not (out / "results" / "carol" / "01_provision.json").exists()  # retried next run
    row = next(r for r in read_csv(out / "grades.csv") if r["student"] == "carol")
    assert "01_provision: grading error" in row["reason"]
