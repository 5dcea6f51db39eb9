"""Cleaning up a workspace: step 07's part, and on request everything the learner made."""

from __future__ import annotations

import io

import mlflow

from grader.config import Settings
from grader.lab.databricks.backend import DatabricksBackend
from grader.lab.databricks.cleanup import remove_everything, stop_running

SPEC = {"cluster_name": "Jane Doe's cluster", "node_type_id": "Standard_D4ds_v5",
        "num_workers": 0, "spark_version": "17.3.x-cpu-ml-scala2.13"}  # fmt: skip


def test_everything_of_the_learner_and_nothing_else_is_removed(fake_databricks, lab_home) -> None:
    backend = DatabricksBackend(Settings(home=str(lab_home), backend="databricks"))
    w, names = backend.workspace_client(), backend.names
    w.dbfs.upload("/mlflow_lab/penguins.csv", io.BytesIO(b"x"), overwrite=True)
    w.api_client.dbfs.upload("/FileStore/someone-else.csv", io.BytesIO(b"y"))
    w.workspace.mkdirs(names.notebooks_folder)
    cluster_id = w.api_client.clusters.create(**SPEC).cluster_id
    other_id = w.api_client.clusters.create(**{**SPEC, "cluster_name": "Li's cluster"}).cluster_id
    experiment_id = backend.configure_mlflow(names.experiment)
    with mlflow.start_run():
        mlflow.log_param("maxIter", 5)
    said: list[str] = []

    stop_running(backend, say=said.append)
    remove_everything(backend, say=said.append)

    stopped = ("TERMINATING", "TERMINATED")
    assert fake_databricks.compute.record(cluster_id)["state"] in stopped
    assert fake_databricks.compute.record(other_id)["state"] not in stopped  # not the learner's
    assert f"endpoint {names.endpoint}: already gone" in said
    assert mlflow.MlflowClient().get_experiment(experiment_id).lifecycle_stage == "deleted"
    assert not w.dbfs.exists("/mlflow_lab/penguins.csv")
    assert w.api_client.dbfs.exists("/FileStore/someone-else.csv")
    assert names.notebooks_folder not in fake_databricks.files.objects
