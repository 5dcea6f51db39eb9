"""The fake answers the real SDK as the API does: shapes checked, life cycles, retries."""

from __future__ import annotations

import time

import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.errors import InvalidParameterValue, NotFound
from databricks.sdk.service.compute import DataSecurityMode, State


def _spec() -> dict:
    return {"cluster_name": "c", "spark_version": "17.3.x-cpu-ml-scala2.13",
            "node_type_id": "Standard_D4ds_v5", "num_workers": 0}  # fmt: skip


def test_requests_are_checked_against_the_api(fake_databricks) -> None:
    w = WorkspaceClient()
    with pytest.raises(InvalidParameterValue, match="spark version"):
        w.clusters.create(**{**_spec(), "spark_version": "99.9.x-scala2.13"})
    with pytest.raises(InvalidParameterValue, match="single_user_name"):
        w.clusters.create(**_spec(), data_security_mode=DataSecurityMode.SINGLE_USER)
    with pytest.raises(InvalidParameterValue, match="autotermination"):
        w.clusters.create(**_spec(), autotermination_minutes=5)
    with pytest.raises(NotFound):
        w.workspace.get_status("/Users/nobody/nothing")
    assert not fake_databricks.calls_to("POST", "/api/2.1/clusters/create")


def test_cluster_life_cycle(fake_databricks) -> None:
    fake_databricks.timings.cluster_start = 2.0  # a loaded machine: PENDING until we look
    w = WorkspaceClient()
    cluster_id = w.clusters.create(**_spec()).cluster_id
    assert w.clusters.get(cluster_id).state == State.PENDING
    time.sleep(fake_databricks.timings.cluster_start)
    assert w.clusters.get(cluster_id).state == State.RUNNING
    w.clusters.delete(cluster_id)
    assert w.clusters.get(cluster_id).state == State.TERMINATING
    time.sleep(fake_databricks.timings.cluster_stop)
    assert w.clusters.get(cluster_id).state == State.TERMINATED


def test_the_sdk_retries_429_and_5xx(fake_databricks) -> None:
    fake_databricks.inject("GET", "/clusters/list$", 429, "TOO_MANY_REQUESTS", "Slow down",
                           headers={"Retry-After": "1"})  # fmt: skip
    fake_databricks.inject("GET", "/clusters/list$", 503, "TEMPORARILY_UNAVAILABLE", "Busy")
    assert list(WorkspaceClient().clusters.list()) == []
    statuses = [c.status for c in fake_databricks.calls if c.path.endswith("/clusters/list")]
    assert statuses == [429, 503, 200]
