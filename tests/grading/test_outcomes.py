"""The record checks made outside the kernel point at real test cells and real checks."""

from __future__ import annotations

import pytest

from grader.checks.registry import CHECKS
from grader.grading.collect import grade_cells
from grader.grading.outcomes import OUTCOMES, audit
from tests.notebooks.conftest import SOLUTIONS


@pytest.mark.parametrize("notebook", sorted(OUTCOMES))
def test_outcome_checks_name_existing_tests_and_checks(notebook):
    test_ids = {gid for gid, _ in grade_cells(SOLUTIONS / f"{notebook}.ipynb")}
    for test_id, check in OUTCOMES[notebook].items():
        assert test_id in test_ids, f"{notebook} has no test cell {test_id}"
        assert check in CHECKS


def test_an_empty_lab_fails_every_record_check(lab_home):
    found = audit("04_mlflow_run")
    assert set(found) == {"check_mlflow_run", "check_mlflow_model"}
    assert not any(v["passed"] for v in found.values())
    assert "found:    no run in" in found["check_mlflow_run"]["report"]
    assert audit("03_data_prep") == {}  # nothing of step 03 outlives its kernel
