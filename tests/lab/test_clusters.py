"""A cluster's life on the local backend, with a real Spark (one start, ~5 s).

Fast facts about ``w.clusters`` (runtimes, refused specs, unknown ids) are in
test_workspace.py; this module walks one cluster through create, attach, terminate and
start again, as the lab's notebooks (each its own kernel) do.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from databricks.sdk.errors import InvalidState
from databricks.sdk.service.compute import ClusterDetails, DataSecurityMode, State

from grader.config import Settings
from grader.exceptions import ResourceNotFound
from grader.lab import cluster_rules, reference, spark
from grader.lab.home import LabHome
from grader.lab.workspace import LocalWorkspaceClient

USER = "alice@example.com"

#: What the life-cycle test saw, for the JVM check below (which must not start Spark again).
OBSERVED: dict[str, int] = {}


def java_processes() -> set[int]:
    return {p.pid for p in psutil.Process().children(recursive=True) if "java" in p.name().lower()}


@pytest.fixture(scope="module")
def stop_spark_at_the_end() -> Iterator[None]:
    yield
    spark.stop_session()


@pytest.mark.slow
@pytest.mark.usefixtures("stop_spark_at_the_end")
def test_cluster_life_cycle(lab_home: Path, capfd: pytest.CaptureFixture[str]) -> None:
    settings = Settings(home=str(lab_home), user=USER)
    home = LabHome(lab_home)
    w = LocalWorkspaceClient(home, settings)
    spec = reference.cluster_spec(w, w.current_user.me())

    fresh_jvm = not java_processes()  # no JVM from an earlier test to reuse
    capfd.readouterr()
    cluster = w.clusters.create_and_wait(**spec)
    started = capfd.readouterr()
    # The JVM's own stderr goes to the lab's log, not into the learner's cell.
    assert "WARNING: Using incubator modules" not in started.err
    assert "WARNING" not in started.err and "ERROR" not in started.err
    if fresh_jvm:  # a JVM reused from an earlier test logs to that test's home
        assert (home.logs / "spark-jvm.log").is_file()
        assert "WARNING: Using incubator modules" in (home.logs / "spark-jvm.log").read_text()

    assert isinstance(cluster, ClusterDetails)
    assert cluster.state == State.RUNNING
    assert cluster.cluster_name == spec["cluster_name"] == f"{USER}'s cluster"
    assert cluster.spark_version == "18.0.x-cpu-ml-scala2.13"
    assert cluster.node_type_id == cluster.driver_node_type_id == "Standard_D4ds_v5"
    assert cluster.num_workers == 0 and cluster.is_single_node
    assert cluster.autotermination_minutes == 20
    assert cluster.data_security_mode == DataSecurityMode.SINGLE_USER
    assert cluster.single_user_name == USER and cluster.creator_user_name == USER
    # is_single_node: the workspace sets the single-node conf and tag itself
    assert cluster.spark_conf == cluster_rules.SINGLE_NODE_CONF
    assert cluster.custom_tags == cluster_rules.SINGLE_NODE_TAGS
    assert cluster.start_time and cluster.cluster_id

    # Another kernel (another client on the same home) finds it.
    other = LocalWorkspaceClient(LabHome(lab_home), settings)
    assert [c.cluster_id for c in other.clusters.list()] == [cluster.cluster_id]
    assert other.clusters.get(cluster.cluster_id).state == State.RUNNING
    assert reference.running_cluster(other, spec["cluster_name"]).cluster_id == cluster.cluster_id

    session = w.clusters.attach(cluster.cluster_id)
    assert session.range(10).count() == 10
    assert spark.active_session() is not None
    assert session.conf.get("spark.master") == f"local[{settings.cores}]"

    OBSERVED["jvms_running"] = len(java_processes())
    terminated = w.clusters.delete_and_wait(cluster.cluster_id)
    assert terminated.state == State.TERMINATED
    assert terminated.terminated_time and terminated.termination_reason.code.value == "USER_REQUEST"
    assert spark.active_session() is None
    assert other.clusters.get(cluster.cluster_id).state == State.TERMINATED
    assert reference.running_cluster(other, spec["cluster_name"]) is None
    with pytest.raises(ResourceNotFound, match="TERMINATED"):
        w.clusters.attach(cluster.cluster_id)
    # Terminating twice is harmless.
    assert w.clusters.delete_and_wait(cluster.cluster_id).state == State.TERMINATED

    restarted = w.clusters.start_and_wait(cluster.cluster_id)
    assert restarted.state == State.RUNNING and restarted.terminated_time is None
    assert restarted.cluster_id == cluster.cluster_id
    with pytest.raises(InvalidState, match=r"is in unexpected state Running\.$"):
        w.clusters.start(cluster.cluster_id)  # as a workspace refuses it (CONTRACT.md C11)
    w.clusters.ensure_cluster_is_running(cluster.cluster_id)  # the SDK's helper: no start
    assert w.clusters.attach(cluster.cluster_id).range(5).count() == 5
    OBSERVED["jvms_after_restart"] = len(java_processes())
    assert [c.state for c in w.clusters.list()] == [State.RUNNING]  # still one record

    # Step 02 run again: the same cluster, running; terminated, it is started again.
    assert w.clusters.create_and_wait(**spec).cluster_id == cluster.cluster_id
    w.clusters.delete_and_wait(cluster.cluster_id)
    again = w.clusters.create_and_wait(**spec)
    assert again.cluster_id == cluster.cluster_id and again.state == State.RUNNING
    edited = w.clusters.create_and_wait(**(spec | {"autotermination_minutes": 30}))
    assert edited.cluster_id == cluster.cluster_id and edited.autotermination_minutes == 30
    assert [c.cluster_id for c in w.clusters.list()] == [cluster.cluster_id]


@pytest.mark.slow
def test_restart_reuses_the_one_jvm() -> None:
    if "jvms_after_restart" not in OBSERVED:
        pytest.skip("needs test_cluster_life_cycle to have run")
    assert OBSERVED["jvms_after_restart"] == OBSERVED["jvms_running"]
