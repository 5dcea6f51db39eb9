"""The learner's client on the fake: scoped names, reuse, and failures named with their state."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.service.serving import EndpointCoreConfigInput, ServedEntityInput

from grader.exceptions import WorkspaceStateError
from grader.lab.databricks.naming import LearnerNames
from grader.lab.databricks.workspace import LearnerWorkspaceClient
from tests.clock import FakeClock

SPEC = {"cluster_name": "Jane Doe's cluster", "node_type_id": "Standard_D4ds_v5",
        "num_workers": 0, "autotermination_minutes": 20}  # fmt: skip


def _client(clock=None) -> LearnerWorkspaceClient:
    w = WorkspaceClient()
    me = w.current_user.me()
    names = LearnerNames(me.user_name, me.display_name)
    return LearnerWorkspaceClient(w, names, attach=lambda cluster_id: None, clock=clock)


def test_lab_paths_are_the_learners_own(fake_databricks) -> None:
    w = _client()
    w.dbfs.mkdirs("/mlflow_lab")
    w.dbfs.upload("/mlflow_lab/penguins.csv", io.BytesIO(b"a,b\n"), overwrite=True)
    assert [f.path for f in w.dbfs.list("/mlflow_lab")] == ["/mlflow_lab/penguins.csv"]
    stored = fake_databricks.files.dbfs / w.names.dbfs_root.lstrip("/") / "mlflow_lab"
    assert (stored / "penguins.csv").read_bytes() == b"a,b\n"
    assert not (fake_databricks.files.dbfs / "mlflow_lab").exists()


def test_create_reuses_the_running_cluster_of_that_name(fake_databricks, capsys) -> None:
    w = _client()
    first = w.clusters.create_and_wait(spark_version="17.3.x-cpu-ml-scala2.13", **SPEC)
    again = w.clusters.create_and_wait(spark_version="17.3.x-cpu-ml-scala2.13", **SPEC)
    assert again.cluster_id == first.cluster_id
    assert len(fake_databricks.calls_to("POST", "/api/2.1/clusters/create")) == 1
    out = capsys.readouterr().out
    assert "PENDING" in out and "RUNNING" in out and "Reusing your cluster" in out


def test_a_rerun_starts_the_terminated_cluster_and_applies_a_changed_spec(fake_databricks) -> None:
    """Re-running step 02 never makes a second cluster: a terminated one is started again,
    a changed spec is applied with edit (the fake refuses an edit in a wrong state)."""
    w = _client()
    first = w.clusters.create_and_wait(spark_version="17.3.x-cpu-ml-scala2.13", **SPEC)
    w.clusters.delete_and_wait(first.cluster_id)
    again = w.clusters.create_and_wait(spark_version="17.3.x-cpu-ml-scala2.13", **SPEC)
    assert again.cluster_id == first.cluster_id and again.state.value == "RUNNING"
    assert len(fake_databricks.calls_to("POST", "/api/2.1/clusters/start")) == 1
    assert not fake_databricks.calls_to("POST", "/api/2.1/clusters/edit")
    changed = w.clusters.create_and_wait(
        spark_version="17.3.x-cpu-ml-scala2.13", **{**SPEC, "autotermination_minutes": 30}
    )
    assert changed.cluster_id == first.cluster_id and changed.autotermination_minutes == 30
    assert len(fake_databricks.calls_to("POST", "/api/2.1/clusters/edit")) == 1
    assert len(fake_databricks.calls_to("POST", "/api/2.1/clusters/create")) == 1


def test_a_cluster_that_fails_to_launch_is_named_with_its_state(fake_databricks) -> None:
    fake_databricks.compute.fail_next_launch = "CLOUD_PROVIDER_LAUNCH_FAILURE"
    with pytest.raises(WorkspaceStateError) as info:
        _client().clusters.create_and_wait(spark_version="17.3.x-cpu-ml-scala2.13", **SPEC)
    message = str(info.value)
    assert 'Cluster "Jane Doe\'s cluster"' in message and "is TERMINATED" in message
    assert "CLOUD_PROVIDER_LAUNCH_FAILURE" in message


def test_a_wait_that_times_out_names_the_resource_and_last_state(fake_databricks) -> None:
    fake_databricks.timings.cluster_start = 3600
    w = _client(clock=FakeClock())
    created = w.clusters.create(spark_version="17.3.x-cpu-ml-scala2.13", **SPEC)
    with pytest.raises(WorkspaceStateError, match=r"still PENDING after 60 s") as info:
        w.clusters.wait_running(created.cluster_id, timeout=timedelta(seconds=60))
    assert created.cluster_id in str(info.value)


def test_an_endpoint_whose_update_fails_is_named_with_its_state(fake_databricks) -> None:
    fake_databricks.serving.fail_next_update = "Container build failed: no module named pyspark"
    w = _client()
    config = EndpointCoreConfigInput(
        name="predict-penguin",
        served_entities=[ServedEntityInput(entity_name="Penguin Predictor", entity_version="1",
                                           workload_size="Small", scale_to_zero_enabled=True)],
    )  # fmt: skip
    with pytest.raises(WorkspaceStateError) as info:
        w.serving_endpoints.create_and_wait("predict-penguin", config=config)
    message = str(info.value)
    assert f"Serving endpoint '{w.names.endpoint}'" in message
    assert "NOT_READY, config update UPDATE_FAILED" in message and "no module named" in message
    created = fake_databricks.calls_to("POST", "/api/2.0/serving-endpoints")
    assert [c.body["name"] for c in created] == [w.names.endpoint]


def test_a_rerun_updates_the_endpoint_to_the_new_version_instead_of_creating(
    fake_databricks,
) -> None:
    """Step 06 run again after a new model version: update_config, not a second create (which
    a workspace refuses); the served entity is named the API's way. The fake's deployments
    fail here, so no model server starts."""
    w = _client()

    def config(version: str) -> EndpointCoreConfigInput:
        entity = ServedEntityInput(entity_name="main.mlflow_lab_jane.penguin_predictor",
                                   entity_version=version, workload_size="Small",
                                   scale_to_zero_enabled=True)  # fmt: skip
        return EndpointCoreConfigInput(name="predict-penguin", served_entities=[entity])

    fake_databricks.serving.fail_next_update = "first deployment failed"
    with pytest.raises(WorkspaceStateError, match="first deployment failed"):
        w.serving_endpoints.create_and_wait("predict-penguin", config=config("1"))
    fake_databricks.serving.fail_next_update = "second deployment failed"
    with pytest.raises(WorkspaceStateError, match="second deployment failed"):
        w.serving_endpoints.create_and_wait("predict-penguin", config=config("2"))
    assert len(fake_databricks.calls_to("POST", "/api/2.0/serving-endpoints")) == 1
    [update] = fake_databricks.calls_to("PUT", r"/api/2.0/serving-endpoints/[^/]+/config")
    [entity] = update.body["served_entities"]
    assert entity["entity_version"] == "2" and entity["name"] == "penguin_predictor-2"
