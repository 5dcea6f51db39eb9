"""The ``grader`` command's option parsing (no grading here; see tests/grading)."""

from __future__ import annotations

import click
import pytest

from grader.cli import _workers


@pytest.mark.parametrize(("raw", "workers"), [("auto", None), ("1", 1), ("4", 4)])
def test_workers_is_auto_or_a_count(raw: str, workers: int | None) -> None:
    assert _workers(raw) == workers


@pytest.mark.parametrize("raw", ["0", "-2", "two", ""])
def test_bad_workers_says_what_to_give(raw: str) -> None:
    with pytest.raises(click.BadParameter, match="whole number of at least 1, or 'auto'"):
        _workers(raw)
