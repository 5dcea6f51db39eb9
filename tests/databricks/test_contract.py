"""Every row of CONTRACT.md: the request a workspace refuses, sent through the real SDK client,
refused by the fake with the status, error code and message shape the row names.

Each test is named ``test_<row>_…`` after its row; ``test_every_row_has_its_test`` fails when
CONTRACT.md gains a row without one.
"""

from __future__ import annotations

import base64
import io
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.errors import (
    AlreadyExists,
    BadRequest,
    DatabricksError,
    InvalidParameterValue,
    InvalidState,
    NotFound,
    PermissionDenied,
    ResourceAlreadyExists,
    ResourceConflict,
    ResourceDoesNotExist,
)
from databricks.sdk.service import compute, jobs, serving
from databricks.sdk.service.workspace import ImportFormat, Language

CONTRACT = Path(__file__).with_name("CONTRACT.md")
LTS_ML = "17.3.x-cpu-ml-scala2.13"
USER = "jane.doe@example.com"


def refused(call: Callable[[], Any], error: type, code: str, message: str) -> DatabricksError:
    """``call`` fails with the SDK's ``error`` (its HTTP status), ``error_code`` ``code`` and a
    message matching the regex ``message``."""
    with pytest.raises(error) as info:
        call()
    assert info.value.error_code == code, info.value
    assert re.search(message, str(info.value)), str(info.value)
    return info.value


def spec(**changes: Any) -> dict[str, Any]:
    """The lab's cluster, the current way, with some fields changed (None drops one)."""
    base = {"cluster_name": "c", "spark_version": LTS_ML, "node_type_id": "Standard_D4ds_v5",
            "kind": compute.Kind.CLASSIC_PREVIEW, "is_single_node": True,
            "data_security_mode": compute.DataSecurityMode.SINGLE_USER, "single_user_name": USER,
            "runtime_engine": compute.RuntimeEngine.STANDARD, "autotermination_minutes": 20}  # fmt: skip
    return {k: v for k, v in (base | changes).items() if v is not None}


@pytest.fixture
def w(fake_databricks) -> WorkspaceClient:
    return WorkspaceClient()


def running_cluster(w: WorkspaceClient, fake) -> str:
    cluster_id = w.clusters.create(**spec()).cluster_id
    time.sleep(fake.timings.cluster_start)
    assert w.clusters.get(cluster_id).state == compute.State.RUNNING
    return cluster_id


def test_every_row_has_its_test() -> None:
    rows = re.findall(r"^\| ([A-Z]\d+) \|", CONTRACT.read_text(), flags=re.M)
    assert len(rows) == len(set(rows)) > 30
    tests = {name.split("_")[1].upper() for name in globals() if name.startswith("test_")}
    assert [r for r in rows if r not in tests] == []


# -- G: every route ----------------------------------------------------------------------------
def test_g1_an_unknown_field_is_refused(w, fake_databricks) -> None:
    refused(lambda: w.api_client.do("POST", "/api/2.1/clusters/create",
                                    body={**compute.ClusterSpec(**spec()).as_dict(), "workers": 1}),
            BadRequest, "BAD_REQUEST", r'json: unknown field "workers"')  # fmt: skip
    nested = {"name": "e", "config": {"served_entities": [{"entity_name": "m", "entity_version":
              "1", "workload_size": "Small", "scale_to_zero": True}]}}  # fmt: skip
    refused(lambda: w.api_client.do("POST", "/api/2.0/serving-endpoints", body=nested),
            BadRequest, "BAD_REQUEST",
            r'unknown field "config.served_entities\[0\].scale_to_zero"')  # fmt: skip
    assert not fake_databricks.compute.clusters


def test_g2_an_enum_value_the_sdk_does_not_define_is_refused(w) -> None:
    body = compute.ClusterSpec(**spec()).as_dict() | {"data_security_mode": "SHARED_BY_ALL"}
    refused(lambda: w.api_client.do("POST", "/api/2.1/clusters/create", body=body),
            InvalidParameterValue, "INVALID_PARAMETER_VALUE",
            r"Invalid data_security_mode: 'SHARED_BY_ALL'")  # fmt: skip


# -- C: clusters -------------------------------------------------------------------------------
def test_c1_a_runtime_the_workspace_does_not_list(w) -> None:
    refused(lambda: w.clusters.create(**spec(spark_version="99.9.x-scala2.13")),
            InvalidParameterValue, "INVALID_PARAMETER_VALUE", r"Invalid spark version")  # fmt: skip


def test_c2_a_node_type_the_workspace_does_not_list(w) -> None:
    refused(lambda: w.clusters.create(**spec(node_type_id="m5.xlarge")),
            InvalidParameterValue, "INVALID_PARAMETER_VALUE", r"m5\.xlarge")  # fmt: skip
    refused(lambda: w.clusters.create(**spec(node_type_id=None)),
            InvalidParameterValue, "INVALID_PARAMETER_VALUE", r"node_type_id")  # fmt: skip


def test_c3_is_single_node_needs_kind_classic_preview(w) -> None:
    refused(lambda: w.clusters.create(**spec(kind=None)), InvalidParameterValue,
            "INVALID_PARAMETER_VALUE", r"^is_single_node is not allowed with unspecified kind\.$")  # fmt: skip
    refused(lambda: w.clusters.create(**spec(kind=None, is_single_node=None, use_ml_runtime=True,
                                             num_workers=0)),
            InvalidParameterValue, "INVALID_PARAMETER_VALUE",
            r"use_ml_runtime is not allowed with unspecified kind")  # fmt: skip


def test_c4_the_single_node_profile_with_kind_and_an_access_mode(w) -> None:
    conf = {"spark.databricks.cluster.profile": "singleNode", "spark.master": "local[*]"}
    refused(lambda: w.clusters.create(**spec(spark_conf=conf)), InvalidParameterValue,
            "INVALID_PARAMETER_VALUE",
            r"^Spark Conf: `spark\.databricks\.cluster\.profile` is not allowed when choosing an "
            r"access mode$")  # fmt: skip


def test_c5_is_single_node_sets_conf_tags_and_no_workers(w) -> None:
    details = w.clusters.get(w.clusters.create(**spec()).cluster_id)
    assert details.num_workers == 0 and details.is_single_node
    assert details.kind == compute.Kind.CLASSIC_PREVIEW
    assert details.spark_conf["spark.databricks.cluster.profile"] == "singleNode"
    assert details.custom_tags == {"ResourceClass": "SingleNode"}


def test_c6_the_older_single_node_way_is_accepted_without_kind(w) -> None:
    older = spec(kind=None, is_single_node=None, num_workers=0,
                 spark_conf={"spark.databricks.cluster.profile": "singleNode",
                             "spark.master": "local[*]"},
                 custom_tags={"ResourceClass": "SingleNode"})  # fmt: skip
    details = w.clusters.get(w.clusters.create(**older).cluster_id)
    assert details.num_workers == 0 and details.kind is None
    # ... and refused once kind is added (C4)
    refused(lambda: w.clusters.create(**(older | {"kind": compute.Kind.CLASSIC_PREVIEW})),
            InvalidParameterValue, "INVALID_PARAMETER_VALUE", r"not allowed when choosing")  # fmt: skip


@pytest.mark.parametrize("minutes", [5, 9, 10001, 43200])
def test_c7_autotermination_outside_10_to_10000(w, minutes: int) -> None:
    refused(lambda: w.clusters.create(**spec(autotermination_minutes=minutes)),
            InvalidParameterValue, "INVALID_PARAMETER_VALUE",
            r"autotermination_minutes must be 0 or between 10 and 10000")  # fmt: skip


def test_c7_autotermination_edges_are_accepted(w) -> None:
    for minutes in (0, 10, 10000):
        assert w.clusters.create(**spec(autotermination_minutes=minutes)).cluster_id


def test_c8_single_user_needs_its_user(w) -> None:
    for mode in (compute.DataSecurityMode.SINGLE_USER,
                 compute.DataSecurityMode.DATA_SECURITY_MODE_DEDICATED):  # fmt: skip
        refused(lambda m=mode: w.clusters.create(**spec(data_security_mode=m,
                                                        single_user_name=None)),
                InvalidParameterValue, "INVALID_PARAMETER_VALUE", r"single_user_name")  # fmt: skip


def test_c9_runtime_engine_with_a_photon_runtime_key(w) -> None:
    refused(lambda: w.clusters.create(**spec(spark_version="17.3.x-photon-scala2.13")),
            InvalidParameterValue, "INVALID_PARAMETER_VALUE", r"-photon-")  # fmt: skip


def test_c10_edit_only_a_running_or_terminated_cluster(w, fake_databricks) -> None:
    fake_databricks.timings.cluster_start = 3600
    cluster_id = w.clusters.create(**spec()).cluster_id  # PENDING for an hour
    refused(lambda: w.clusters.edit(cluster_id, **spec(autotermination_minutes=30)),
            InvalidState, "INVALID_STATE", r"unexpected state PENDING")  # fmt: skip
    w.clusters.delete(cluster_id)
    time.sleep(fake_databricks.timings.cluster_stop)
    w.clusters.edit(cluster_id, **spec(autotermination_minutes=30))  # TERMINATED: stays so
    edited = w.clusters.get(cluster_id)
    assert edited.autotermination_minutes == 30 and edited.state == compute.State.TERMINATED


def test_c11_start_is_refused_unless_terminated(w, fake_databricks) -> None:
    cluster_id = running_cluster(w, fake_databricks)
    started = fake_databricks.compute.record(cluster_id)["start_time"]
    refused(lambda: w.clusters.start(cluster_id), InvalidState, "INVALID_STATE",
            rf"^Cluster {cluster_id} is in unexpected state Running\.$")  # fmt: skip
    assert w.clusters.get(cluster_id).state == compute.State.RUNNING
    assert fake_databricks.compute.record(cluster_id)["start_time"] == started
    w.clusters.ensure_cluster_is_running(cluster_id)  # the SDK's own helper never asks


def test_c12_an_unknown_cluster(w) -> None:
    """The SDK's own error override turns this 400 into ResourceDoesNotExist on get."""
    refused(lambda: w.clusters.get("0000-000000-nothing0"), ResourceDoesNotExist,
            "INVALID_PARAMETER_VALUE", r"Cluster 0000-000000-nothing0 does not exist")  # fmt: skip
    refused(lambda: w.clusters.start("0000-000000-nothing0"), InvalidParameterValue,
            "INVALID_PARAMETER_VALUE", r"Cluster 0000-000000-nothing0 does not exist")  # fmt: skip


# -- J: jobs runs submit -----------------------------------------------------------------------
def _notebook(w: WorkspaceClient) -> str:
    folder = f"/Users/{USER}/lab"
    w.workspace.mkdirs(folder)
    content = base64.b64encode(b'{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, '
                               b'"cells": []}').decode()  # fmt: skip
    w.workspace.import_(f"{folder}/nb", content=content, format=ImportFormat.JUPYTER)
    return f"{folder}/nb"


def _task(path: str, cluster_id: str, **changes: Any) -> jobs.SubmitTask:
    return jobs.SubmitTask(task_key="t", existing_cluster_id=cluster_id,
                           notebook_task=jobs.NotebookTask(notebook_path=path), **changes)  # fmt: skip


def test_j1_a_workspace_notebook_path_must_be_absolute(w, fake_databricks) -> None:
    cluster_id = w.clusters.create(**spec()).cluster_id
    _notebook(w)
    refused(lambda: w.jobs.submit(tasks=[_task(f"Users/{USER}/lab/nb", cluster_id)]),
            InvalidParameterValue, "INVALID_PARAMETER_VALUE", r"absolute path")  # fmt: skip


def test_j2_a_notebook_that_does_not_exist(w, fake_databricks) -> None:
    """Submit takes it; the run ends INTERNAL_ERROR with the workspace's words."""
    cluster_id = running_cluster(w, fake_databricks)
    path = f"/Users/{USER}/nothing"
    run_id = w.jobs.submit(tasks=[_task(path, cluster_id)]).run_id
    deadline = time.monotonic() + 30
    while (run := w.jobs.get_run(run_id)).state.life_cycle_state == jobs.RunLifeCycleState.PENDING:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert run.state.life_cycle_state == jobs.RunLifeCycleState.INTERNAL_ERROR
    assert run.state.state_message == (
        f"Task {run.tasks[0].task_key} failed with message: Notebook not found: {path}. "
        "This caused all downstream tasks to get skipped."
    )
    assert run.tasks[0].state.state_message == f"Notebook not found: {path}"


def test_j3_an_unknown_existing_cluster(w) -> None:
    path = _notebook(w)
    refused(lambda: w.jobs.submit(tasks=[_task(path, "0000-000000-nothing0")]),
            InvalidParameterValue, "INVALID_PARAMETER_VALUE", r"does not exist")  # fmt: skip


def test_j4_libraries_where_the_runtime_takes_them(w, fake_databricks) -> None:
    path, cluster_id = _notebook(w), running_cluster(w, fake_databricks)
    refused(lambda: w.jobs.submit(tasks=[_task(path, cluster_id,
                                               libraries=[compute.Library(whl="/tmp/x.whl")])]),
            InvalidParameterValue, "INVALID_PARAMETER_VALUE", r"/Workspace/.*/Volumes/")  # fmt: skip
    # DBFS is accepted by submit, then refused at install on DBR 17.3 (from 15.1)
    wheel = compute.Library(whl="dbfs:/FileStore/x-0.1-py3-none-any.whl")
    run_id = w.jobs.submit(tasks=[_task(path, cluster_id, libraries=[wheel])]).run_id
    deadline = time.monotonic() + 30
    while (run := w.jobs.get_run(run_id)).state.life_cycle_state == jobs.RunLifeCycleState.PENDING:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert run.state.life_cycle_state == jobs.RunLifeCycleState.INTERNAL_ERROR
    assert re.search(r"Library installation failed.*DBFS root.*15\.1", run.state.state_message)


def test_j5_a_negative_timeout(w) -> None:
    path, cluster_id = _notebook(w), w.clusters.create(**spec()).cluster_id
    refused(lambda: w.jobs.submit(tasks=[_task(path, cluster_id, timeout_seconds=-1)]),
            InvalidParameterValue, "INVALID_PARAMETER_VALUE", r"timeout_seconds")  # fmt: skip
    refused(lambda: w.jobs.submit(tasks=[_task(path, cluster_id)], timeout_seconds=-5),
            InvalidParameterValue, "INVALID_PARAMETER_VALUE", r"timeout_seconds")  # fmt: skip


def test_j6_an_unknown_run(w) -> None:
    refused(lambda: w.jobs.get_run(987654), ResourceDoesNotExist, "INVALID_PARAMETER_VALUE",
            r"Run 987654 does not exist")  # fmt: skip


# -- W: workspace import -----------------------------------------------------------------------
def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_w1_an_import_format_the_api_does_not_define(w) -> None:
    body = {"path": f"/Users/{USER}/x", "content": _b64(b"x"), "format": "PDF"}
    refused(lambda: w.api_client.do("POST", "/api/2.0/workspace/import", body=body),
            InvalidParameterValue, "INVALID_PARAMETER_VALUE", r"Invalid format: 'PDF'")  # fmt: skip


def test_w2_content_over_10_mb(w) -> None:
    big = _b64(b"#" * (8 * 1024 * 1024))  # 8 MB is 10.7 MB of base64
    refused(lambda: w.workspace.import_(f"/Users/{USER}/big.py", content=big,
                                        format=ImportFormat.AUTO),
            BadRequest, "MAX_NOTEBOOK_SIZE_EXCEEDED", r"exceeded max size")  # fmt: skip


def test_w3_an_existing_path_without_overwrite(w) -> None:
    path = _notebook(w)
    refused(lambda: w.workspace.import_(path, content=_b64(b"print(1)"),
                                        format=ImportFormat.SOURCE, language=Language.PYTHON),
            ResourceAlreadyExists, "RESOURCE_ALREADY_EXISTS", r"already exists")  # fmt: skip


def test_w4_source_without_a_language(w) -> None:
    refused(lambda: w.workspace.import_(f"/Users/{USER}/s", content=_b64(b"print(1)"),
                                        format=ImportFormat.SOURCE),
            InvalidParameterValue, "INVALID_PARAMETER_VALUE", r"language")  # fmt: skip


def test_w5_a_missing_parent_folder(w) -> None:
    refused(lambda: w.workspace.import_(f"/Users/{USER}/no/such/x", content=_b64(b"x"),
                                        format=ImportFormat.AUTO),
            NotFound, "RESOURCE_DOES_NOT_EXIST",
            rf"The parent folder \(/Users/{USER}/no/such\) does not exist\.")  # fmt: skip


# -- F, D: Files API and DBFS ------------------------------------------------------------------
def _volume(w: WorkspaceClient) -> str:
    w.schemas.create("lab", "main")
    w.volumes.create("main", "lab", "data", volume_type=__import__(
        "databricks.sdk.service.catalog", fromlist=["VolumeType"]).VolumeType.MANAGED)  # fmt: skip
    return "/Volumes/main/lab/data"


def test_f1_files_only_inside_an_existing_volume(w) -> None:
    refused(lambda: w.files.upload("/tmp/penguins.csv", io.BytesIO(b"x")),
            InvalidParameterValue, "INVALID_PARAMETER_VALUE", r"not inside a volume")  # fmt: skip
    w.schemas.create("lab", "main")
    refused(lambda: w.files.upload("/Volumes/main/lab/nothing/x.csv", io.BytesIO(b"x")),
            NotFound, "VOLUME_DOES_NOT_EXIST", r"main\.lab\.nothing")  # fmt: skip


def test_f2_an_existing_file_without_overwrite(w) -> None:
    path = _volume(w) + "/x.csv"
    w.files.upload(path, io.BytesIO(b"1"))
    refused(lambda: w.files.upload(path, io.BytesIO(b"2"), overwrite=False),
            AlreadyExists, "ALREADY_EXISTS", r"already exists")  # fmt: skip
    assert w.files.download(path).contents.read() == b"1"


def test_d1_a_dbfs_block_over_1_mb(w) -> None:
    handle = w.dbfs.create("/FileStore/big.bin", overwrite=True).handle
    refused(lambda: w.dbfs.add_block(handle, _b64(b"x" * (1024 * 1024 + 1))),
            BadRequest, "MAX_BLOCK_SIZE_EXCEEDED", r"1 MB")  # fmt: skip


def test_d2_an_existing_dbfs_path_without_overwrite(w) -> None:
    w.dbfs.put("/FileStore/a.txt", contents=_b64(b"a"))
    refused(lambda: w.dbfs.put("/FileStore/a.txt", contents=_b64(b"b")),
            ResourceAlreadyExists, "RESOURCE_ALREADY_EXISTS", r"already exists")  # fmt: skip
    refused(lambda: w.dbfs.create("/FileStore/a.txt"),
            ResourceAlreadyExists, "RESOURCE_ALREADY_EXISTS", r"already exists")  # fmt: skip


def test_d3_a_dbfs_read_over_1_mb(w) -> None:
    w.dbfs.put("/FileStore/a.txt", contents=_b64(b"a"))
    refused(lambda: w.dbfs.read("/FileStore/a.txt", length=2 * 1024 * 1024),
            BadRequest, "MAX_READ_SIZE_EXCEEDED", r"1 MB")  # fmt: skip


# -- U: Unity Catalog --------------------------------------------------------------------------
UC = "/api/2.0/mlflow/unity-catalog"


def test_u1_a_uc_model_needs_a_real_catalog_and_three_levels(w) -> None:
    create = f"{UC}/registered-models/create"
    for name, pattern in (("hive_metastore.default.penguins", r"hive_metastore"),
                          ("Penguin Predictor", r"three levels")):  # fmt: skip
        refused(lambda n=name: w.api_client.do("POST", create, body={"name": n}),
                InvalidParameterValue, "INVALID_PARAMETER_VALUE", pattern)  # fmt: skip
    refused(lambda: w.api_client.do("POST", create, body={"name": "main.nothing.penguins"}),
            NotFound, "SCHEMA_DOES_NOT_EXIST", r"main\.nothing")  # fmt: skip


def test_u2_use_catalog_and_create_schema_permissions(w, fake_databricks) -> None:
    fake_databricks.catalog.revoked["main"] = {"CREATE SCHEMA"}
    refused(lambda: w.schemas.create("lab", "main"), PermissionDenied, "PERMISSION_DENIED",
            r"^User does not have CREATE SCHEMA on Catalog 'main'\.")  # fmt: skip
    fake_databricks.catalog.revoked["main"] = {"USE CATALOG"}
    for call in (lambda: w.schemas.create("lab", "main"), lambda: w.schemas.get("main.lab")):
        refused(call, PermissionDenied, "PERMISSION_DENIED",
                r"^User does not have USE CATALOG on Catalog 'main'\.")  # fmt: skip


def test_u3_a_version_without_a_signature_is_not_finalized(w, fake_databricks) -> None:
    w.schemas.create("lab", "main")
    name = "main.lab.penguins"
    w.api_client.do("POST", f"{UC}/registered-models/create", body={"name": name})
    version = w.api_client.do("POST", f"{UC}/model-versions/create",
                              body={"name": name, "source": "runs:/r/m"})["model_version"]  # fmt: skip
    folder = fake_databricks.uc_registry._storage(name, version["version"])
    (folder / "MLmodel").write_text("flavors: {}\n")
    refused(lambda: w.api_client.do("POST", f"{UC}/model-versions/finalize",
                                    body={"name": name, "version": version["version"]}),
            InvalidParameterValue, "INVALID_PARAMETER_VALUE",
            r"must have a signature with inputs and outputs")  # fmt: skip


def test_u4_a_workspace_without_a_metastore(w, fake_databricks) -> None:
    fake_databricks.catalog.enabled = False
    refused(lambda: w.metastores.current(), NotFound, "METASTORE_DOES_NOT_EXIST", r"metastore")


# -- S: serving endpoints ----------------------------------------------------------------------
def _config(**entity: Any) -> serving.EndpointCoreConfigInput:
    fields = {"entity_name": "main.lab.penguins", "entity_version": "1",
              "workload_size": "Small", "scale_to_zero_enabled": True} | entity  # fmt: skip
    return serving.EndpointCoreConfigInput(
        name="p",
        served_entities=[serving.ServedEntityInput(**{k: v for k, v in fields.items() if v})],
    )


def test_s1_an_endpoint_name_with_other_characters(w) -> None:
    refused(lambda: w.serving_endpoints.create("predict penguin", config=_config()),
            InvalidParameterValue, "INVALID_PARAMETER_VALUE", r"letters, digits, - and _")  # fmt: skip


def test_s2_a_served_entity_needs_name_and_version(w) -> None:
    refused(lambda: w.serving_endpoints.create("p", config=_config(entity_version=None)),
            InvalidParameterValue, "INVALID_PARAMETER_VALUE", r"entity_version")  # fmt: skip
    refused(lambda: w.serving_endpoints.create("p", config=_config(name="penguins.v1")),
            InvalidParameterValue, "INVALID_PARAMETER_VALUE", r"Served entity name")  # fmt: skip


def test_s3_a_workload_size_the_api_does_not_define(w) -> None:
    refused(lambda: w.serving_endpoints.create("p", config=_config(workload_size="Huge")),
            InvalidParameterValue, "INVALID_PARAMETER_VALUE", r"workload_size")  # fmt: skip


def test_s4_scale_to_zero_must_be_a_boolean(w) -> None:
    body = {"name": "p", "config": _config().as_dict()}
    body["config"]["served_entities"][0]["scale_to_zero_enabled"] = "yes"
    refused(lambda: w.api_client.do("POST", "/api/2.0/serving-endpoints", body=body),
            InvalidParameterValue, "INVALID_PARAMETER_VALUE", r"must be a boolean")  # fmt: skip


def test_s5_a_second_create_of_the_same_name(w, fake_databricks) -> None:
    fake_databricks.serving.hold_next_update = True  # exists, updating: no server started
    w.serving_endpoints.create("p", config=_config())
    refused(lambda: w.serving_endpoints.create("p", config=_config()),
            ResourceAlreadyExists, "RESOURCE_ALREADY_EXISTS", r"already exists")  # fmt: skip


def test_s6_update_config_while_an_update_is_in_progress(w, fake_databricks) -> None:
    fake_databricks.serving.hold_next_update = True
    w.serving_endpoints.create("p", config=_config())
    assert w.serving_endpoints.get("p").state.config_update.value == "IN_PROGRESS"
    refused(lambda: w.serving_endpoints.update_config("p", served_entities=_config(
                entity_version="2").served_entities),
            ResourceConflict, "RESOURCE_CONFLICT", r"update in progress")  # fmt: skip


def test_s7_an_unknown_endpoint(w) -> None:
    for call in (lambda: w.serving_endpoints.get("nothing"),
                 lambda: w.serving_endpoints.delete("nothing")):  # fmt: skip
        refused(call, NotFound, "RESOURCE_DOES_NOT_EXIST", r"with name nothing not found")


# -- X: command execution 1.2 ------------------------------------------------------------------
def test_x1_a_language_the_api_does_not_define(w, fake_databricks) -> None:
    cluster_id = running_cluster(w, fake_databricks)
    body = {"clusterId": cluster_id, "language": "cobol"}
    refused(lambda: w.api_client.do("POST", "/api/1.2/contexts/create", body=body),
            InvalidParameterValue, "INVALID_PARAMETER_VALUE", r"cobol")  # fmt: skip


def test_x2_a_cluster_that_is_not_running(w, fake_databricks) -> None:
    fake_databricks.timings.cluster_start = 3600
    cluster_id = w.clusters.create(**spec()).cluster_id
    refused(lambda: w.command_execution.create(cluster_id=cluster_id,
                                               language=compute.Language.PYTHON),
            InvalidState, "INVALID_STATE", r"PENDING, not RUNNING")  # fmt: skip


def test_x3_a_context_that_does_not_exist(w, fake_databricks) -> None:
    cluster_id = running_cluster(w, fake_databricks)
    refused(lambda: w.command_execution.execute(cluster_id=cluster_id, context_id="ctx-nothing",
                                                language=compute.Language.PYTHON, command="1"),
            NotFound, "RESOURCE_DOES_NOT_EXIST", r"ctx-nothing")  # fmt: skip
