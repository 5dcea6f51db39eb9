"""Backend lookup and the local backend's paths, without starting anything."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.config import Settings
from grader.exceptions import ConfigError
from grader.lab.backends import BACKENDS, LocalBackend, get_backend
from grader.lab.dataset import LAB_PATH
from grader.lab.workspace import LocalWorkspaceClient


def test_unknown_backend_names_the_variable_and_the_known_ones(lab_home: Path) -> None:
    with pytest.raises(ConfigError, match="MLFLOW_LAB_BACKEND='mars'") as info:
        get_backend(Settings(home=str(lab_home), backend="mars"))
    assert "local" in str(info.value)


def test_local_backend(lab_home: Path) -> None:
    backend = get_backend(Settings(home=str(lab_home)))
    assert isinstance(backend, LocalBackend) and BACKENDS["local"] is LocalBackend
    assert (lab_home / "dbfs").is_dir()
    assert backend.path(LAB_PATH) == str(
        lab_home.resolve() / "dbfs" / "mlflow_lab" / "penguins.csv"
    )
    w = backend.workspace_client()
    assert isinstance(w, LocalWorkspaceClient) and backend.workspace_client() is w


def test_two_kernels_opening_a_fresh_home_at_once_share_one_store(tmp_path: Path) -> None:
    """Both create the store's tables unless one waits: the second migration fails with
    "duplicate column name". Each of several processes, started together, gets the one
    experiment."""
    import subprocess
    import sys

    home = tmp_path / "home"
    code = (
        "from grader.config import Settings\n"
        "from grader.lab.backends import LocalBackend\n"
        f"b = LocalBackend(Settings(home={str(home)!r}))\n"
        "print(b.configure_mlflow(b.experiment_name))\n"
    )
    processes = [
        subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
        for _ in range(3)
    ]  # fmt: skip
    results = [(p.wait(timeout=120), *p.communicate()) for p in processes]
    assert [code for code, _, _ in results] == [0, 0, 0], [err[-400:] for *_, err in results]
    assert len({out.strip() for _, out, _ in results}) == 1


def test_the_experiment_opens_on_its_runs_in_mlflow_3s_ui(lab_home: Path) -> None:
    """MLflow 3's UI shows an experiment's runs, not its GenAI overview, when the experiment
    is marked as model training; one made before the course marked it gets the mark."""
    import mlflow

    from grader.lab.backends import EXPERIMENT_KIND_TAG, MODEL_TRAINING_KIND

    backend = LocalBackend(Settings(home=str(lab_home)))
    experiment_id = backend.configure_mlflow(backend.experiment_name)
    tags = mlflow.MlflowClient().get_experiment(experiment_id).tags
    assert tags[EXPERIMENT_KIND_TAG] == MODEL_TRAINING_KIND == "custom_model_development"

    older = mlflow.MlflowClient().create_experiment("/Users/older/mlflow_lab")
    assert EXPERIMENT_KIND_TAG not in mlflow.MlflowClient().get_experiment(older).tags
    assert backend.configure_mlflow("/Users/older/mlflow_lab") == older
    assert mlflow.MlflowClient().get_experiment(older).tags[EXPERIMENT_KIND_TAG] == (
        MODEL_TRAINING_KIND
    )


def test_spark_models_go_through_the_lab_homes_own_dfs_folder(lab_home: Path, monkeypatch):
    """mlflow.spark.log_model writes the model to MLflow's DFS folder first; its default
    /tmp/mlflow belongs to whichever user made it, and every other user's step 04 failed
    ("Mkdirs failed to create /tmp/mlflow/..."; found grading as ``nobody``)."""
    from mlflow.environment_variables import MLFLOW_DFS_TMP

    monkeypatch.delenv("MLFLOW_DFS_TMP", raising=False)
    backend = LocalBackend(Settings(home=str(lab_home)))
    backend.configure_mlflow(backend.experiment_name)
    folder = Path(MLFLOW_DFS_TMP.get())
    assert folder.is_relative_to(lab_home.resolve()) and folder != Path("/tmp/mlflow")


def test_the_notebooks_name_the_ui_command_of_the_environment(lab_home: Path, monkeypatch) -> None:
    from grader.lab.lab import Lab

    monkeypatch.delenv("MLFLOW_LAB_UI_COMMAND", raising=False)
    assert Lab(Settings.from_env()).ui_command == "grader mlflow-ui"
    monkeypatch.setenv("MLFLOW_LAB_UI_COMMAND", "python3 -m nox -s mlflow-ui")
    assert Lab(Settings.from_env()).ui_command == "python3 -m nox -s mlflow-ui"
