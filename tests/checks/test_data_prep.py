"""Step 03's check, as far as it goes without Spark: missing variables are named."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from grader.checks.learner import Learner
from grader.checks.registry import load, run_check
from grader.exceptions import CheckFailed


def test_empty_namespace_names_data_train_and_test() -> None:
    with pytest.raises(CheckFailed) as info:  # not a NameError
        run_check(SimpleNamespace(), "data_prep.split", namespace={}, show=False)
    text = str(info.value)
    for name in ("data", "train", "test"):
        assert f"FAIL  `{name}` exists" in text
        assert f"found:    no variable named {name}" in text
    assert "0/3 checks passed" in text


def test_only_missing_variables_are_reported() -> None:
    report = load("data_prep.split")(
        SimpleNamespace(), Learner({"train": object(), "test": object()})
    )
    assert [r.what for r in report.results] == ["`data` exists"]
    assert not report.passed
