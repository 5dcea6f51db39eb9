"""Check names, lazy loading, and run_check on a notebook's variables."""

from __future__ import annotations

import inspect

import pytest

from grader.checks.registry import CHECKS, load, run_check
from grader.checks.report import Report
from grader.exceptions import CheckFailed


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_every_check_loads_as_a_function_of_lab_and_learner(name: str) -> None:
    check = load(name)
    assert callable(check)
    assert list(inspect.signature(check).parameters) == ["lab", "learner"]


def test_unknown_check_lists_the_known_ones() -> None:
    with pytest.raises(KeyError, match="No check named 'nope'") as info:
        load("nope")
    assert "data_prep.split" in str(info.value) and "cleanup.cluster" in str(info.value)


def test_run_check_shows_the_report(capsys: pytest.CaptureFixture[str]) -> None:
    def good(a, b, c, d):  # a function with the wrong names
        return None

    with pytest.raises(CheckFailed):
        run_check(object(), "function.signature", namespace={"train_penguin_model": good})
    out = capsys.readouterr().out
    assert "FAIL  train_penguin_model(" in out  # printed, outside IPython


def test_run_check_defaults_to_the_callers_callers_globals() -> None:
    """As ``lab.check(name)`` from a cell: the namespace is two frames up."""

    def check_from_a_cell():
        return run_check(object(), "function.signature", show=False)

    # This module's globals have no train_penguin_model: the check fails, naming it.
    with pytest.raises(CheckFailed, match="no variable named train_penguin_model"):
        check_from_a_cell()


def test_run_check_returns_the_passed_report() -> None:
    def train_penguin_model(training_data, test_data, maxIterations, regularization):
        return None

    report = run_check(
        object(),
        "function.signature",
        namespace={"train_penguin_model": train_penguin_model},
        show=False,
    )
    assert isinstance(report, Report) and report.passed
