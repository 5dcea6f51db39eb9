"""The steps' starting states: made once per class, given to each unit as its own."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import mlflow
import pytest

from grader.grading import starting_states
from grader.grading.config import StartingStates
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


@pytest.mark.parametrize(
    ("kept", "student_folder"),
    [("states", "alice"), ("02-03+04", "alice"), ("states", "Jane Doe+1")],
    ids=["plain", "made-in-a-folder-uris-escape", "graded-in-one"],
)
def test_a_seeded_home_names_its_own_path_and_student(tmp_path, kept, student_folder):
    """Paths are moved as written and as MLflow escapes them in artifact URIs (a ``+`` made
    ``%2B``; missing that once sent every run's model to the folder the state was made in)."""
    made = _state_made_at(tmp_path / kept)
    unit = LabHome(tmp_path / student_folder / "lab-home").ensure()

    assert starting_states.seed(unit, tmp_path / kept, "07_cleanup", "alice")

    client = mlflow.MlflowClient(unit.tracking_uri)
    experiment = client.get_experiment_by_name("/Users/alice/mlflow_lab")
    assert experiment is not None
    assert experiment.artifact_location == unit.artifacts.as_uri()
    (run,) = client.search_runs([experiment.experiment_id])
    assert run.info.artifact_uri.startswith(unit.artifacts.as_uri())
    assert run.data.tags["mlflow.user"] == "alice"
    assert run.data.params == {"maxIter": "10"}
    new_run = client.create_run(experiment.experiment_id)  # a model logged now...
    client.log_text(new_run.info.run_id, "a model", "model/MLmodel")
    assert list(unit.artifacts.rglob("MLmodel")), new_run.info.artifact_uri  # ...is the unit's
    assert not list(made.root.rglob("MLmodel")), new_run.info.artifact_uri
    record = json.loads((unit.endpoints / "predict-penguin.json").read_text(encoding="utf-8"))
    assert record["creator"] == "alice"
    assert record["log"] == str(unit.logs / "endpoint.log")
    # the state itself is untouched, ready for the next student
    state = mlflow.MlflowClient(LabHome(tmp_path / kept / "07_cleanup").tracking_uri)
    assert state.get_experiment_by_name("/Users/alice/mlflow_lab") is None
    assert str(made.root) in (tmp_path / kept / "complete").read_text(encoding="utf-8")


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
    # ... and kept for the session's next batches (tests/conftest.py: one cache per session)
    shelf = StartingStates().folder() / starting_states.cache_key()
    assert any((kept / "complete").exists() for kept in shelf.iterdir())
    assert not (unit / "logs" / "endpoint-predict-penguin.log").exists()


def _fake_make(made: list[tuple[str, ...]]):
    """Stands in for the child that trains: records the call, writes a state per step."""

    def make(folder: Path, steps: tuple[str, ...]) -> Path:
        made.append(steps)
        shutil.rmtree(folder, ignore_errors=True)
        for step in steps:
            (folder / step).mkdir(parents=True)
            (folder / step / "made.txt").write_text(f"{step} #{len(made)}", encoding="utf-8")
        (folder / "build").mkdir()
        (folder / "complete").write_text(json.dumps({"lab_home": "/made/here"}), "utf-8")
        return folder

    return make


def test_states_are_made_once_then_copied_from_the_cache(tmp_path, monkeypatch):
    made: list[tuple[str, ...]] = []
    monkeypatch.setattr(starting_states, "_make", _fake_make(made))
    cache = tmp_path / "cache"
    steps = ("02_cluster", "03_data_prep")

    first = starting_states.build(tmp_path / "a", steps, cache=cache)
    second = starting_states.build(tmp_path / "b", ("02_cluster",), cache=cache)  # fewer steps

    assert made == [steps]  # the second batch trained nothing
    assert (second / "02_cluster" / "made.txt").read_text(encoding="utf-8") == "02_cluster #1"
    assert not (second / "03_data_prep").exists()  # only what was asked for
    assert (first / "complete").exists() and not (first / "build").exists()
    # a batch that needs a step no kept set holds makes a new set
    starting_states.build(tmp_path / "c", ("02_cluster", "04_mlflow_run"), cache=cache)
    assert made == [steps, ("02_cluster", "04_mlflow_run")]


def test_an_unfinished_kept_set_is_never_used(tmp_path, monkeypatch):
    made: list[tuple[str, ...]] = []
    monkeypatch.setattr(starting_states, "_make", _fake_make(made))
    cache = tmp_path / "cache"
    broken = cache / starting_states.cache_key() / "02_cluster"
    (broken / "02_cluster").mkdir(parents=True)  # a killed grader's half-made set: no marker
    starting_states.build(tmp_path / "a", ("02_cluster",), cache=cache)
    assert made == [("02_cluster",)]


def test_the_cache_key_names_the_graders_code(tmp_path, monkeypatch):
    """A changed grader makes a new key, so a state made by older code is never used."""
    key = starting_states.cache_key()
    assert key == starting_states.cache_key()
    package = tmp_path / "grader"
    shutil.copytree(Path(starting_states.__file__).parents[1], package,
                    ignore=shutil.ignore_patterns("__pycache__"))  # fmt: skip
    fake_file = package / "grading" / "starting_states.py"
    monkeypatch.setattr(starting_states, "__file__", str(fake_file))
    assert starting_states.cache_key() == key
    (package / "lab" / "reference.py").write_text("# changed\n", encoding="utf-8")
    assert starting_states.cache_key() != key


def test_a_cache_that_cannot_be_made_costs_time_not_the_batch(tmp_path, monkeypatch):
    """A grading account with no writable home (``nobody``'s is ``/nonexistent``): every
    unit past step 01 was a grading error before; now the states are made for this batch."""
    made: list[tuple[str, ...]] = []
    monkeypatch.setattr(starting_states, "_make", _fake_make(made))
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder", encoding="utf-8")
    said: list[str] = []

    folder = starting_states.build(
        tmp_path / "states", ("02_cluster",), cache=blocked / "cache", say=said.append
    )

    assert made == [("02_cluster",)] and (folder / "02_cluster" / "made.txt").exists()
    assert len(said) == 1 and str(blocked / "cache") in said[0]
    assert "StartingStates.cache" in said[0]  # how to keep them next time
    assert blocked.read_text(encoding="utf-8") == "not a folder"  # nothing lost
