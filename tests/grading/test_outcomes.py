"""The audit outside the kernel: every test cell has one, it fails closed, and it believes
only evidence it can verify against the lab's own data."""

from __future__ import annotations

import csv
import io
import json

import pytest

from grader.checks import evidence
from grader.grading import outcomes
from grader.grading.collect import grade_cells
from grader.grading.outcomes import CONFIRM, OUTCOMES, audit, confirm, parse
from grader.grading.results import NOT_CONFIRMED, NotebookResult
from grader.grading.results import TestResult as Result
from grader.lab.dataset import penguins_csv
from grader.lab.steps import STEPS
from tests.notebooks.conftest import SOLUTIONS


@pytest.mark.parametrize("notebook", STEPS)
def test_every_test_cell_is_confirmed_outside_the_kernel(notebook):
    test_ids = {gid for gid, _ in grade_cells(SOLUTIONS / f"{notebook}.ipynb")}
    assert set(OUTCOMES[notebook]) == test_ids
    for names in OUTCOMES[notebook].values():
        assert names and all(name in CONFIRM for name in names)


def test_an_empty_lab_fails_every_record_check():
    found = audit("04_mlflow_run")
    assert set(found) == {"check_mlflow_run", "check_mlflow_model"}
    assert not any(v["passed"] for v in found.values())
    assert "found:    no run in" in found["check_mlflow_run"]["report"]


@pytest.mark.parametrize("notebook", ["01_provision", "02_cluster", "03_data_prep"])
def test_a_check_cell_that_never_ran_confirms_nothing(notebook):
    found = audit(notebook)
    assert set(found) == set(OUTCOMES[notebook])
    assert not any(v["passed"] for v in found.values())
    assert "the check cell did not run" in json.dumps(found) or "0 such" in json.dumps(found)


def _complete_rows() -> list[list]:
    rows = csv.DictReader(io.StringIO(penguins_csv().decode()))
    columns = ("Island", "CulmenLength", "CulmenDepth", "FlipperLength", "BodyMass", "Species")
    return [
        [r["Island"], *(float(r[c]) for c in columns[1:5]), int(r["Species"])]
        for r in rows
        if all(r.values())
    ]


DTYPES = [
    ["Island", "string"], ["CulmenLength", "float"], ["CulmenDepth", "float"],
    ["FlipperLength", "float"], ["BodyMass", "float"], ["Species", "int"],
]  # fmt: skip


def _leave(lab_home, name, payload):
    path = evidence.path(lab_home, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload))


def test_prepared_data_is_verified_against_the_labs_own_data(lab_home):
    rows = _complete_rows()
    assert len(rows) == 342
    data = {"dtypes": DTYPES, "rows": rows}
    _leave(lab_home, "data_prep.data", {"data": data})
    _leave(
        lab_home,
        "data_prep.split",
        {"data": data, "train": {"rows": rows[:240]}, "test": {"rows": rows[240:]}},
    )
    found = audit("03_data_prep")
    assert all(v["passed"] for v in found.values()), found

    forged = [*rows[:-1], ["Dream", 1.0, 1.0, 1.0, 1.0, 0]]  # 342 rows, one of them made up
    _leave(lab_home, "data_prep.data", {"data": {"dtypes": DTYPES, "rows": forged}})
    _leave(
        lab_home, "data_prep.split", {"data": data, "train": {"rows": rows}, "test": {"rows": []}}
    )
    found = audit("03_data_prep")
    assert not found["check_data_prep"]["passed"]
    assert not found["check_split"]["passed"]
    assert "about 70% of rows for training" in found["check_split"]["report"]


def test_oversized_or_malformed_evidence_confirms_nothing(lab_home):
    path = evidence.path(lab_home, "data_prep.data")
    path.parent.mkdir(parents=True)
    path.write_text("x" * (evidence.MAX_BYTES + 1))
    assert "more than" in audit("03_data_prep")["check_data_prep"]["report"]
    path.write_text("[1, 2]")
    assert "not a JSON object" in audit("03_data_prep")["check_data_prep"]["report"]
    path.unlink()
    path.symlink_to("/etc/passwd")
    assert "not a plain file" in audit("03_data_prep")["check_data_prep"]["report"]


def test_the_function_is_verified_from_its_source(lab_home):
    good = "def train_penguin_model(training_data, test_data, maxIterations, regularization):\n"
    _leave(lab_home, "function.signature", {"source": good + "    return 1\n"})
    assert CONFIRM["function.signature"](_lab()).passed
    _leave(lab_home, "function.signature", {"source": "train_penguin_model = lambda *a: 1"})
    assert not CONFIRM["function.signature"](_lab()).passed
    _leave(lab_home, "function.signature", {"source": good.replace("regularization", "*rest")})
    assert not CONFIRM["function.signature"](_lab()).passed


def _lab():
    from grader.lab import Lab

    return Lab()


def test_the_audits_output_is_schema_checked():
    good = {"check_data": {"passed": True, "report": "ok"}}
    assert parse(b"noise\n" + json.dumps(good).encode(), "01_provision") == good
    for bad, why in [
        (b"", "printed nothing"),
        (b"[]", "not a JSON object"),
        (b'{"check_bonus": {"passed": true, "report": ""}}', "does not have"),
        (b'{"check_data": {"passed": 1, "report": ""}}', "malformed"),
        (b'{"check_data": {"passed": true}}', "malformed"),
        (b"x" * (outcomes.MAX_OUTPUT + 1), "larger than"),
    ]:
        with pytest.raises(ValueError, match=why):
            parse(bad, "01_provision")


def _result() -> NotebookResult:
    return NotebookResult(
        "01_provision",
        [Result("check_connect", 1.0, 1.0, True), Result("check_data", 2.0, 2.0, True)],
    )


def test_an_empty_audit_confirms_nothing_and_earns_nothing():
    result = confirm(_result(), {})
    assert result.score == 0
    for test in result.tests:
        assert test.reason == f"{NOT_CONFIRMED}: nothing outside the kernel confirms this test"


def test_a_confirmed_test_keeps_its_points_and_a_refuted_one_says_why():
    report = "Step 01: 0/1\n  FAIL  /mlflow_lab/penguins.csv exists\n"
    found = {
        "check_connect": {"passed": True, "report": ""},
        "check_data": {"passed": False, "report": report},
    }
    result = confirm(_result(), found)
    assert [t.points for t in result.tests] == [1.0, 0.0]
    assert result.tests[1].reason == f"{NOT_CONFIRMED}: /mlflow_lab/penguins.csv exists"
