"""The steps' starting states: made once per class, given to each unit as its own."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import mlflow
import pytest

from grader.grading import starting_states
from grader.lab.home import LabHome


def _state_made_at(folder: Path) -> LabHome:
    """A state as the child makes it: a lab home whose store names its own path and user."""
    home = LabHome(folder / "build" / "lab-home").ensure()
    client = mlflow.MlflowClient(home.tracking_uri)
    experiment = client.create_experiment(
        f"/Users/{starting_states.PLACEHOLDER_USER}/mlflow_lab",
        artifact_location=home.artifacts.as_uri(),
    )
    run = client.create_run(experiment, tags={"mlflow.user": starting_states.PLACEHOLDER_USER})
    client.log_param(run.info.run_id, "maxIter", "10")
    record = {"name": "predict-penguin", "creator": starting_states.PLACEHOLDER_USER,
              "log": str(home.logs / "endpoint.log")}  # fmt: skip
    (home.endpoints / "predict-penguin.json").write_text(json.dumps(record), encoding="utf-8")
    shutil.copytree(home.root, folder / "07_cleanup")
    (folder / "complete").write_text(json.dumps({"lab_home": str(home.root)}), encoding="utf-8")
    return home


def test_a_seeded_home_names_its_own_path_and_student(tmp_path):
    made = _state_made_at(tmp_path / "states")
    unit = LabHome(tmp_path / "alice" / "lab-home").ensure()

    assert starting_states.seed(unit, tmp_path / "states", "07_cleanup", "alice")

    client = mlflow.MlflowClient(unit.tracking_uri)
    experiment = client.get_experiment_by_name("/Users/alice/mlflow_lab")
    assert experiment is not None
    assert experiment.artifact_location == unit.artifacts.as_uri()
    (run,) = client.search_runs([experiment.experiment_id])
    assert run.info.artifact_uri.startswith(unit.artifacts.as_uri())
    assert run.data.tags["mlflow.user"] == "alice"
    assert run.data.params == {"maxIter": "10"}
    record = json.loads((unit.endpoints / "predict-penguin.json").read_text(encoding="utf-8"))
    assert record["creator"] == "alice"
    assert record["log"] == str(unit.logs / "endpoint.log")
    # the state itself is untouched, ready for the next student
    kept = mlflow.MlflowClient(LabHome(tmp_path / "states" / "07_cleanup").tracking_uri)
    assert kept.get_experiment_by_name("/Users/alice/mlflow_lab") is None
    assert str(made.root) in (tmp_path / "states" / "complete").read_text(encoding="utf-8")


def test_a_step_without_a_state_is_left_alone(tmp_path):
    _state_made_at(tmp_path / "states")
    unit = LabHome(tmp_path / "bob" / "lab-home").ensure()
    assert not starting_states.seed(unit, tmp_path / "states", "01_provision", "bob")
    assert not unit.mlflow_db.exists()


@pytest.mark.slow
def test_the_class_was_graded_from_states_made_once(graded_class):
    """07's setup found the endpoint in its state: a correct student's unit started none."""
    states = graded_class.out / "starting-states"
    assert (states / "complete").exists()
    assert sorted(p.name for p in states.iterdir() if p.name[:2].isdigit()) == list(
        starting_states.SEEDED
    )
    unit = graded_class.out / "work" / "alice" / "07_cleanup" / "lab-home"
    assert (unit / "mlflow.db").exists()
    assert not (unit / "logs" / "endpoint-predict-penguin.log").exists()
