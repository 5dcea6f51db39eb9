"""Sign-in: missing, wrong or expired credentials stop with what to set, not a traceback."""

from __future__ import annotations

import pytest

from grader.config import Settings
from grader.exceptions import ConfigError, WorkspaceAuthError
from grader.lab.backends import get_backend
from grader.lab.databricks.auth import connect


def test_databricks_backend_is_chosen_by_the_setting(fake_databricks, lab_home) -> None:
    backend = get_backend(Settings(home=str(lab_home), backend="databricks"))
    assert backend.name == "databricks"
    assert backend.names.user_name == "jane.doe@example.com"
    assert backend.experiment_name == "/Users/jane.doe@example.com/mlflow_lab"
    assert backend.path("/mlflow_lab/penguins.csv") == (  # the fake has Unity Catalog
        f"/Volumes/main/{backend.names.schema}/data/mlflow_lab/penguins.csv"
    )
    assert backend.needs("07_cleanup") == ()  # 07 alone cleans up an interrupted run
    # 06 runs off the cluster: no Spark to train a run with, but its model signed for UC
    assert backend.needs("06_register_deploy") == (
        "data", "cluster", "prior_model_run", "signed_model"
    )  # fmt: skip


def test_no_credentials_say_what_to_set(monkeypatch, tmp_path) -> None:
    for name in ("DATABRICKS_HOST", "DATABRICKS_TOKEN", "DATABRICKS_CONFIG_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABRICKS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("PATH", str(tmp_path))  # no az CLI to fall back on
    with pytest.raises(WorkspaceAuthError) as info:
        connect()
    message = str(info.value)
    assert "DATABRICKS_HOST" in message and "DATABRICKS_TOKEN" in message
    assert "DATABRICKS_CONFIG_PROFILE" in message and "az login" in message
    assert isinstance(info.value, ConfigError)


def test_wrong_token_is_refused_by_name(fake_databricks, monkeypatch) -> None:
    monkeypatch.setenv("DATABRICKS_TOKEN", "dapi-wrong")
    with pytest.raises(WorkspaceAuthError, match="refused the credentials") as info:
        connect()
    assert fake_databricks.url in str(info.value) and "DATABRICKS_TOKEN" in str(info.value)


def test_expired_token_is_refused_by_name(fake_databricks) -> None:
    fake_databricks.token_expired = True
    with pytest.raises(WorkspaceAuthError, match="expired") as info:
        connect()
    # rendered in a notebook without a traceback
    assert info.value._render_traceback_()[0].endswith(
        "Cannot use the Databricks workspace:\x1b[0m"
    )


def test_unreachable_workspace_names_the_host(monkeypatch, fake_databricks) -> None:
    url = fake_databricks.url
    fake_databricks.stop()
    with pytest.raises(WorkspaceAuthError, match="Cannot reach the workspace"):
        connect(host=url, token=fake_databricks.token, retry_timeout_seconds=1)


def test_mlflow_dfs_temp_folder_is_the_learners_volume(fake_databricks, lab_home) -> None:
    """mlflow.spark writes a model to MLFLOW_DFS_TMP first (default /tmp/mlflow, in the DBFS
    root a workspace may have switched off): with Unity Catalog, the learner's volume."""
    from grader.lab.databricks.backend import DatabricksBackend

    backend = DatabricksBackend(Settings(home=str(lab_home), backend="databricks"))
    assert backend.dfs_tmpdir() == f"/Volumes/main/{backend.names.schema}/data/mlflow_lab/tmp"
    fake_databricks.catalog.enabled = False  # no metastore: DBFS is all there is
    bare = DatabricksBackend(Settings(home=str(lab_home), backend="databricks"))
    assert bare.dfs_tmpdir() is None
