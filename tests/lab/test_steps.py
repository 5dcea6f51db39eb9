"""The seven steps of the course and what each needs restored."""

from __future__ import annotations

import itertools

import pytest
from nbformat.v4 import new_code_cell, new_notebook

from grader.lab.steps import NEEDS, STEPS, USES_SPARK, index, step_of


def test_seven_steps_in_order() -> None:
    assert len(STEPS) == 7
    assert [s[:2] for s in STEPS] == ["01", "02", "03", "04", "05", "06", "07"]
    assert [index(s) for s in STEPS] == list(range(7))


def test_needs_has_every_step() -> None:
    assert set(NEEDS) == set(STEPS)


def test_needs_grow_with_the_steps() -> None:
    assert NEEDS["01_provision"] == ()
    for earlier, later in itertools.pairwise(STEPS):
        assert set(NEEDS[earlier]) <= set(NEEDS[later]), (earlier, later)
    assert NEEDS["07_cleanup"] == ("data", "cluster", "model_run", "endpoint")


def test_unknown_step_lists_the_steps() -> None:
    with pytest.raises(ValueError, match="'nope' is not a step") as info:
        index("nope")
    assert all(step in str(info.value) for step in STEPS)


def test_step_of_reads_the_setup_call_or_the_file_name() -> None:
    nb = new_notebook(cells=[new_code_cell('lab = Lab.setup("04_mlflow_run", backend=backend)')])
    assert step_of(nb) == "04_mlflow_run" and "04_mlflow_run" in USES_SPARK
    assert step_of(new_notebook(), "course/05_function.ipynb") == "05_function"
    assert step_of(new_notebook(), "scratch.ipynb") is None
