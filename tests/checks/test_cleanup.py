"""Step 07 is two checks: the endpoint deleted, the cluster terminated; half the exercise
earns its half, and a failed table says which half is left."""

from __future__ import annotations

from types import SimpleNamespace

import nbformat
import pytest
from databricks.sdk.service.compute import State

from grader.checks import cleanup
from grader.checks.learner import Learner
from grader.grading.outcomes import OUTCOMES
from tests.notebooks.conftest import SOLUTIONS

USER = SimpleNamespace(display_name="Alice", user_name="alice@example.com")


def lab(endpoints: list[str], cluster_state: State | None):
    """A lab whose workspace lists these endpoints and the learner's cluster in this state."""
    clusters = (
        []
        if cluster_state is None
        else [
            SimpleNamespace(cluster_name="Alice's cluster", cluster_id="c-1", state=cluster_state)
        ]
    )
    workspace = SimpleNamespace(
        serving_endpoints=SimpleNamespace(
            list=lambda: [SimpleNamespace(name=n) for n in endpoints]
        ),
        clusters=SimpleNamespace(list=lambda: clusters),
    )
    return SimpleNamespace(workspace=workspace, user=USER)


def test_endpoint_deleted_cluster_running_earns_the_endpoint_half():
    half = lab([], State.RUNNING)
    assert cleanup.endpoint(half, Learner({})).passed
    report = cleanup.cluster(half, Learner({}))
    assert not report.passed
    assert report.failures[0].found == "running: c-1"


def test_cluster_terminated_endpoint_left_earns_the_cluster_half():
    half = lab(["predict-penguin"], State.TERMINATED)
    assert cleanup.cluster(half, Learner({})).passed
    report = cleanup.endpoint(half, Learner({}))
    assert not report.passed and report.failures[0].found == "predict-penguin"


def test_no_cluster_at_all_is_said():
    report = cleanup.cluster(lab([], None), Learner({}))
    assert report.failures[0].found == "no cluster"


@pytest.mark.parametrize(
    ("grade_id", "check"),
    [
        ("check_endpoint_deleted", "cleanup.endpoint"),
        ("check_cluster_terminated", "cleanup.cluster"),
    ],
)
def test_the_notebook_has_a_cell_and_a_point_for_each_half(grade_id, check):
    notebook = nbformat.read(SOLUTIONS / "07_cleanup.ipynb", as_version=4)
    cells = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in notebook.cells}
    assert cells[grade_id].source == f'lab.check("{check}")'
    assert cells[grade_id].metadata.nbgrader.points == 1
    assert OUTCOMES["07_cleanup"][grade_id] == (check,)
    total = sum(c.metadata.get("nbgrader", {}).get("points", 0) for c in notebook.cells)
    assert total == 2  # the step's points are unchanged
