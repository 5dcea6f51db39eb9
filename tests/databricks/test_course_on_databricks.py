"""The course's seven notebooks through papermill on the ``databricks`` backend, against the
fake workspace with Unity Catalog (the default), judged by what the workspace was asked to
do (its call log)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from grader.admin.cleanup import remove_everything, stop_running
from grader.config import Settings
from grader.exceptions import CourseRunError
from grader.lab import reference
from grader.lab.databricks.backend import DatabricksBackend
from grader.lab.databricks.naming import LearnerNames
from grader.lab.dataset import penguins_csv
from grader.run.course import run_course

pytestmark = pytest.mark.slow
JANE = LearnerNames("jane.doe@example.com", "Jane Doe")
UC_MODEL = JANE.uc_model("main")  # main.mlflow_lab_jane_doe_<hash>.penguin_predictor


def test_the_course_runs_on_the_workspace(fake_databricks, tmp_path: Path) -> None:
    run = run_course(backend="databricks", out=tmp_path / "course", cell_timeout=600)
    assert [n.name for n in run.notebooks] == [
        "01_provision", "02_cluster", "03_data_prep", "04_mlflow_run", "05_function",
        "06_register_deploy", "07_cleanup",
    ]  # fmt: skip
    fake = fake_databricks

    # one cluster, with the lab's spec, terminated at the end
    [create] = fake.calls_to("POST", "/api/2.1/clusters/create")
    assert create.body == {
        "cluster_name": "Jane Doe's cluster",
        "spark_version": "18.0.x-cpu-ml-scala2.13",  # latest LTS ML, no GPU, Scala 2.13
        "node_type_id": "Standard_D4ds_v5",
        "kind": "CLASSIC_PREVIEW",  # the current way to ask for a single node
        "is_single_node": True,
        "data_security_mode": "SINGLE_USER",
        "single_user_name": "jane.doe@example.com",
        "runtime_engine": "STANDARD",
        "autotermination_minutes": 20,
    }
    [cluster_id] = fake.compute.clusters
    assert [c.body for c in fake.calls_to("POST", "/api/2.1/clusters/delete")] == [
        {"cluster_id": cluster_id}
    ]
    assert fake.compute.record(cluster_id)["state"] in ("TERMINATING", "TERMINATED")

    # the Spark notebooks ran as notebook tasks on that cluster, with the grader wheel;
    tasks = [c.body["tasks"][0] for c in fake.calls_to("POST", "/api/2.2/jobs/runs/submit")]
    # not 06: it runs in the local kernel, so the cluster is not billed while its endpoint starts
    assert [t["task_key"] for t in tasks] == ["03_data_prep", "04_mlflow_run", "05_function"]
    for task in tasks:
        assert task["existing_cluster_id"] == cluster_id
        assert task["notebook_task"]["notebook_path"] == (
            f"{JANE.notebooks_folder}/{task['task_key']}"
        )
        assert task["libraries"][0]["whl"].startswith(f"/Workspace{JANE.notebooks_folder}/")
    states = {r["state"].get("result_state") for r in fake.jobs.runs.values()}
    assert states == {"SUCCESS"}

    # one model registered in Unity Catalog, in the learner's schema, with a signature
    uc = "/api/2.0/mlflow/unity-catalog"
    [model] = fake.calls_to("POST", f"{uc}/registered-models/create")
    [version] = fake.calls_to("POST", f"{uc}/model-versions/create")
    [finalized] = fake.calls_to("POST", f"{uc}/model-versions/finalize")
    assert model.body["name"] == version.body["name"] == UC_MODEL
    assert finalized.body == {"name": UC_MODEL, "version": "1"}
    assert "/classifier-" in version.body["source"] and version.body["run_id"]  # 05's model
    mlmodel = fake.catalog.storage.joinpath("Models", *UC_MODEL.split("."), "1", "MLmodel")
    inputs = json.loads(yaml.safe_load(mlmodel.read_text())["signature"]["inputs"])
    assert [(c["name"], c["type"]) for c in inputs] == [
        ("Island", "string"), ("CulmenLength", "double"), ("CulmenDepth", "double"),
        ("FlipperLength", "long"), ("BodyMass", "long"),
    ]  # fmt: skip
    assert not fake.calls_to(
        "POST", "/api/2.0/mlflow/registered-models/create"
    )  # not the workspace's

    # one endpoint created for that version, queried with the lab's request, deleted
    [endpoint] = fake.calls_to("POST", "/api/2.0/serving-endpoints")
    assert endpoint.body["name"] == JANE.endpoint
    # from the local kernel of 06, not from the cluster (where the SDK says runtime/<v>)
    assert "runtime/" not in endpoint.user_agent
    [entity] = endpoint.body["config"]["served_entities"]
    assert entity == {"name": "penguin_predictor-1", "entity_name": UC_MODEL,
                      "entity_version": "1", "workload_size": "Small",
                      "scale_to_zero_enabled": True}  # fmt: skip
    # 06's hidden check asked the cluster for the model's own predictions (no job run)
    commands = [c.body["command"] for c in fake.calls_to("POST", "/api/1.2/commands/execute")]
    assert any("mlflow.spark.load_model" in command for command in commands)
    queries = fake.calls_to("POST", f"/serving-endpoints/{JANE.endpoint}/invocations")
    assert queries[0].body == reference.SAMPLE_REQUEST
    assert len(fake.calls_to("DELETE", f"/api/2.0/serving-endpoints/{JANE.endpoint}")) == 1
    assert list(fake.serving.local._records) == []

    # the learner's data went to their own volume, not to DBFS
    [volume] = fake.calls_to("POST", "/api/2.1/unity-catalog/volumes")
    assert (volume.body["schema_name"], volume.body["name"]) == (JANE.schema, "data")
    data = fake.catalog.storage / f"Volumes/main/{JANE.schema}/data/mlflow_lab/penguins.csv"
    assert data.read_bytes() == penguins_csv()
    assert not (fake.files.dbfs / JANE.dbfs_root.lstrip("/") / "mlflow_lab").exists()

    # on request, everything else the learner made goes too, and nothing of anyone else's
    fake.files.put({"path": "/FileStore/someone-else.csv", "contents": "eQ=="})
    backend = DatabricksBackend(Settings(home=str(tmp_path / "cleanup"), backend="databricks"))
    said: list[str] = []
    stop_running(backend, say=said.append)
    remove_everything(backend, say=said.append)
    assert f"endpoint {JANE.endpoint}: already gone" in said
    assert f"removed registered model {UC_MODEL!r}" in said
    assert len(fake.calls_to("DELETE", f"{uc}/registered-models/delete")) == 1
    assert f"removed volume main.{JANE.schema}.data" in said
    assert f"removed schema main.{JANE.schema}" in said
    assert not fake.uc_registry.models and not fake.catalog.schemas
    assert len(fake.calls_to("POST", "/api/2.0/mlflow/experiments/delete")) == 1
    assert not data.exists() and (fake.files.dbfs / "FileStore" / "someone-else.csv").is_file()
    assert JANE.notebooks_folder not in fake.files.objects


def test_expired_credentials_stop_step_01_with_what_to_do(fake_databricks, tmp_path) -> None:
    fake_databricks.token_expired = True
    with pytest.raises(CourseRunError) as info:
        run_course(backend="databricks", out=tmp_path / "course", only=["01_provision"])
    message = str(info.value)
    assert "01_provision.ipynb" in message and "cell 'setup'" in message
    assert (
        "WorkspaceAuthError" in message and "expired" in message and "DATABRICKS_TOKEN" in message
    )
