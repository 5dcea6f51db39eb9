"""Step 05's signature check."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from grader.checks.function import SIGNATURE
from grader.checks.registry import run_check
from grader.exceptions import CheckFailed


def _signature(fn):
    """The signature check on a notebook whose ``train_penguin_model`` is ``fn``."""
    return run_check(
        SimpleNamespace(),
        "function.signature",
        namespace={"train_penguin_model": fn},
        show=False,
    )


def test_signature_is_the_labs() -> None:
    assert SIGNATURE == ["training_data", "test_data", "maxIterations", "regularization"]


def test_wrong_parameter_names_fail_with_expected_and_found() -> None:
    def train_penguin_model(train, test, max_iter, reg):
        return None

    with pytest.raises(CheckFailed) as info:
        _signature(train_penguin_model)
    text = str(info.value)
    assert "expected: training_data, test_data, maxIterations, regularization" in text
    assert "found:    train, test, max_iter, reg" in text


def test_wrong_order_fails() -> None:
    def train_penguin_model(test_data, training_data, maxIterations, regularization):
        return None

    with pytest.raises(CheckFailed, match="found:    test_data, training_data"):
        _signature(train_penguin_model)


def test_not_a_function_fails_without_crashing() -> None:
    with pytest.raises(CheckFailed, match="not a function: 42"):
        _signature(42)


def test_missing_function_is_named() -> None:
    with pytest.raises(CheckFailed, match="no variable named train_penguin_model"):
        run_check(SimpleNamespace(), "function.signature", namespace={}, show=False)


def test_the_right_signature_passes() -> None:
    def train_penguin_model(training_data, test_data, maxIterations, regularization):
        return None

    report = _signature(train_penguin_model)
    assert report.passed and len(report.results) == 1


def test_another_order_is_named_as_such_in_the_hint() -> None:
    def train_penguin_model(training_data, test_data, regularization, maxIterations):
        return None

    with pytest.raises(CheckFailed) as info:
        _signature(train_penguin_model)
    assert "takes its parameters in another order" in str(info.value)


def test_the_hidden_call_passes_values_by_name_when_the_names_are_the_labs() -> None:
    """Parameters in another order cost the signature check only, not the hidden call."""
    from grader.checks.function import call

    seen = {}

    def train_penguin_model(training_data, test_data, regularization, maxIterations):
        seen.update(maxIterations=maxIterations, regularization=regularization)

    call(train_penguin_model, "train", "test", 3, 0.05)
    assert seen == {"maxIterations": 3, "regularization": 0.05}

    def by_position(train, test, iterations, reg):  # other names: the lab's order is all we know
        seen.update(iterations=iterations, reg=reg)

    call(by_position, "train", "test", 3, 0.05)
    assert seen["iterations"] == 3 and seen["reg"] == 0.05
