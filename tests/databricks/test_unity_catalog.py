"""Unity Catalog on the fake, without running the course: the learner's schema, volume and
model by default, the workspace registry and DBFS without a metastore, and registration
that refuses a model without a signature."""

from __future__ import annotations

import io
from pathlib import Path

import mlflow
import pytest
from databricks.sdk.errors import InvalidParameterValue, NotFound
from mlflow.exceptions import MlflowException
from mlflow.store.artifact.local_artifact_repo import LocalArtifactRepository

from grader.admin.cleanup import remove_everything
from grader.config import Settings
from grader.exceptions import WorkspaceStateError
from grader.lab import reference
from grader.lab.databricks.backend import DatabricksBackend
from grader.lab.databricks.catalog import CREATED_BY, ensure_schema
from grader.lab.dataset import LAB_PATH, penguins_csv
from tests.databricks.fake.cluster_site.sitecustomize import copying


def _backend(tmp_path: Path, **settings: str) -> DatabricksBackend:
    return DatabricksBackend(
        Settings(home=str(tmp_path / "home"), backend="databricks", **settings)
    )


class _Echo(mlflow.pyfunc.PythonModel):
    def predict(self, context, model_input, params=None):
        return model_input


def _run_with_model(backend: DatabricksBackend, tmp_path: Path) -> str:
    """A run in the learner's experiment whose ``classifier-1`` folder holds a small model
    (no Spark needed) without a signature, as the lab's step 05 leaves one."""
    experiment_id = backend.configure_mlflow(backend.experiment_name)
    folder = tmp_path / "model"
    mlflow.pyfunc.save_model(folder, python_model=_Echo(), pip_requirements=["mlflow"])
    with mlflow.start_run(experiment_id=experiment_id):
        mlflow.log_artifacts(str(folder), "classifier-1")
    return experiment_id


def test_unity_catalog_is_the_default_where_the_workspace_has_it(fake_databricks, tmp_path):
    backend = _backend(tmp_path)
    schema = backend.names.schema
    assert backend.registry_uri == "databricks-uc"
    assert backend.model_name == f"main.{schema}.penguin_predictor"
    assert backend.path(LAB_PATH) == f"/Volumes/main/{schema}/data/mlflow_lab/penguins.csv"
    with pytest.raises(ValueError, match=r"'\.\.'"):
        backend.catalog.volume_path("/mlflow_lab/../../other-learner")
    ensure_schema(backend.workspace_client(), backend.catalog)
    ensure_schema(backend.workspace_client(), backend.catalog)  # a later step: it is there
    [created] = fake_databricks.calls_to("POST", "/api/2.1/unity-catalog/schemas")
    assert created.body == {"name": schema, "catalog_name": "main", "comment": CREATED_BY}


def test_the_catalog_setting_is_used_and_a_missing_catalog_says_what_to_set(
    fake_databricks, tmp_path
):
    fake_databricks.catalog.catalogs["teaching"] = {"name": "teaching"}
    backend = _backend(tmp_path, catalog="teaching")
    assert backend.model_name == f"teaching.{backend.names.schema}.penguin_predictor"
    ensure_schema(backend.workspace_client(), backend.catalog)
    assert f"teaching.{backend.names.schema}" in fake_databricks.catalog.schemas

    for catalog in ("hive_metastore",):  # not Unity Catalog: says to set the setting
        with pytest.raises(WorkspaceStateError, match=r"Set MLFLOW_LAB_CATALOG"):
            _ = _backend(tmp_path, catalog=catalog).catalog
    fake_databricks.catalog.default_catalog = ""  # a metastore without a default catalog
    with pytest.raises(
        WorkspaceStateError, match=r"default catalog is 'not set'.*MLFLOW_LAB_CATALOG"
    ):
        _ = _backend(tmp_path).catalog

    wrong = _backend(tmp_path, catalog="nosuch")
    with pytest.raises(WorkspaceStateError, match=r"MLFLOW_LAB_CATALOG") as info:
        ensure_schema(wrong.workspace_client(), wrong.catalog)
    assert "nosuch" in str(info.value)


def test_without_a_metastore_the_lab_uses_the_workspace_registry_and_dbfs(
    fake_databricks, tmp_path, capsys
):
    fake_databricks.catalog.enabled = False
    backend = _backend(tmp_path)
    assert backend.registry_uri == "databricks"
    assert backend.model_name == f"Penguin Predictor {backend.names.slug}"
    assert backend.path(LAB_PATH) == f"dbfs:{backend.names.dbfs_root}/mlflow_lab/penguins.csv"
    # mlflow.spark.save_model takes a local path: a model goes to DBFS's local mount
    assert (
        backend.path("/model/classifier-1") == f"/dbfs{backend.names.dbfs_root}/model/classifier-1"
    )
    [line] = capsys.readouterr().out.strip().splitlines()
    assert "No Unity Catalog" in line and "METASTORE_DOES_NOT_EXIST" in line
    w = backend.workspace_client()
    reference.provision_data(w)
    assert reference.data_is_intact(w)
    data = fake_databricks.files.dbfs / backend.names.dbfs_path(LAB_PATH).lstrip("/")
    assert data.is_file()

    # the learner's own model in the workspace registry, unsigned as the lab logs it
    experiment_id = _run_with_model(backend, tmp_path)
    version = reference.register_latest(experiment_id, backend.model_name)
    assert (version.name, version.version) == (backend.model_name, "1")
    [created] = fake_databricks.calls_to("POST", "/api/2.0/mlflow/registered-models/create")
    assert created.body["name"] == backend.model_name
    said: list[str] = []
    remove_everything(backend, say=said.append)
    assert f"removed registered model {backend.model_name!r}" in said and not data.exists()
    assert not [c for c in fake_databricks.calls if "/unity-catalog/" in c.path and c.status < 400]


def test_two_learners_on_one_workspace_get_their_own_model_and_schema(fake_databricks, tmp_path):
    jane = _backend(tmp_path)
    ensure_schema(jane.workspace_client(), jane.catalog)
    fake_databricks.user_name, fake_databricks.display_name = "li.wei@example.com", "Li Wei"
    li = _backend(tmp_path)
    ensure_schema(li.workspace_client(), li.catalog)
    assert jane.model_name != li.model_name
    assert jane.path(LAB_PATH) != li.path(LAB_PATH)
    assert {jane.catalog.schema, li.catalog.schema} <= set(fake_databricks.catalog.schemas)


def test_the_lab_files_live_in_the_learners_volume(fake_databricks, tmp_path):
    backend = _backend(tmp_path)
    w = backend.workspace_client()
    assert not w.dbfs.exists("/mlflow_lab")
    reference.provision_data(w)
    reference.provision_data(w)  # again: the lab's cell removes the folder first
    assert reference.data_is_intact(w)
    assert [f.path for f in w.dbfs.list("/mlflow_lab")] == [LAB_PATH]
    stored = fake_databricks.catalog.storage / backend.path(LAB_PATH).lstrip("/")
    assert stored.read_bytes() == penguins_csv()
    [volume] = fake_databricks.calls_to("POST", "/api/2.1/unity-catalog/volumes")
    assert volume.body == {"catalog_name": "main", "schema_name": backend.names.schema,
                           "name": "data", "volume_type": "MANAGED", "comment": CREATED_BY}  # fmt: skip
    # the SDK reads through a presigned URL, as from cloud storage; small files go up in one PUT
    assert fake_databricks.calls_to("POST", "/api/2.0/fs/create-download-url")
    uploads = fake_databricks.calls_to("PUT", "/api/2.0/fs/files/Volumes/.*")
    assert [c.path for c in uploads] == [f"/api/2.0/fs/files{backend.path(LAB_PATH)}"] * 2
    with pytest.raises(
        InvalidParameterValue, match="not inside a volume"
    ):  # checked as the API does
        w.api_client.files.upload("/FileStore/x.csv", io.BytesIO(b"x"), overwrite=True)
    with pytest.raises(NotFound, match=r"Volume .*nope.* does not exist"):
        w.api_client.files.upload(f"/Volumes/main/{backend.names.schema}/nope/x", io.BytesIO(b""))
    w.dbfs.upload("/mlflow_lab/notes.txt", io.BytesIO(b"mine"), overwrite=True)
    w.dbfs.delete("/mlflow_lab", recursive=True)
    assert not w.dbfs.exists("/mlflow_lab") and not stored.exists()


def test_unity_catalog_needs_a_signature_the_setup_gives_and_the_clean_up_removes_all(
    fake_databricks, tmp_path, monkeypatch
):
    # as on the fake cluster: a download of the run's files is a copy (see cluster_site)
    repo = LocalArtifactRepository
    monkeypatch.setattr(repo, "download_artifacts", copying(repo.download_artifacts))
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    backend = _backend(tmp_path)
    experiment_id = _run_with_model(backend, tmp_path)
    [created] = fake_databricks.calls_to("POST", "/api/2.1/unity-catalog/schemas")
    assert created.body["comment"] == CREATED_BY  # configure_mlflow made the learner's schema

    # a model without a signature: refused before anything is registered, saying why
    _run, unsigned = reference.latest_model_run(experiment_id)
    with pytest.raises(MlflowException, match=r"signature") as info:
        mlflow.register_model(unsigned, backend.model_name)
    assert "Unity Catalog" in str(info.value)
    assert not fake_databricks.calls_to("POST", ".*/unity-catalog/model-versions/create")

    model_uri = reference.sign_latest_model(experiment_id)  # what 06's setup does with UC
    version = mlflow.register_model(model_uri, backend.model_name)
    assert (version.name, version.version, version.status) == (backend.model_name, "1", "READY")
    assert reference.latest_version(backend.model_name).version == "1"
    calls = [c.path.rsplit("/", 1)[-1] for c in fake_databricks.calls
             if "/unity-catalog/" in c.path and c.status < 400]  # fmt: skip
    assert calls[-3:] == ["generate-temporary-credentials", "finalize", "search"]
    stored = fake_databricks.catalog.storage.joinpath("Models", *backend.model_name.split("."))
    assert (stored / "1" / "MLmodel").is_file()
    # the version is served like any other: the fake's own registry has it under that name
    assert fake_databricks.mlflow.oss_client().get_model_version(backend.model_name, "1")
    assert reference.latest_model_run(experiment_id) is not None  # the run keeps its model

    reference.provision_data(backend.workspace_client())
    said: list[str] = []
    remove_everything(backend, say=said.append)
    assert f"removed registered model {backend.model_name!r}" in said
    assert f"removed volume {backend.catalog.volume}" in said
    assert f"removed schema {backend.catalog.schema}" in said
    assert not fake_databricks.uc_registry.models and not fake_databricks.catalog.schemas
