"""``w.clusters`` on the local backend: a "cluster" is a Spark session in the kernel.

The API and the dataclasses are databricks-sdk's own (``ClusterDetails``, ``State``,
``Wait``), so the learner's code is the code they would run against a workspace. A cluster
is a JSON record in the lab home (its spec and state) so that later notebooks, in other
kernels, find it; attaching to a RUNNING cluster starts that kernel's own Spark session from
the recorded spec.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

from databricks.sdk.mixins.compute import ClustersExt
from databricks.sdk.service._internal import Wait
from databricks.sdk.service.compute import (
    ClusterDetails,
    GetSparkVersionsResponse,
    ListNodeTypesResponse,
    State,
    TerminationReason,
    TerminationReasonCode,
)

from grader.config import Settings
from grader.exceptions import ClusterStateError, ResourceConflict, ResourceNotFound
from grader.lab import cluster_rules, spark
from grader.lab.home import LabHome
from grader.lab.records import RecordStore


def _now_ms() -> int:
    return int(time.time() * 1000)


def _new_cluster_id() -> str:
    """An id shaped like Databricks' (``MMDD-HHMMSS-xxxxxxxx``)."""
    return time.strftime("%m%d-%H%M%S-", time.gmtime()) + secrets.token_hex(4)


_as_json = cluster_rules.as_json


class ClustersAPI:
    """The subset of ``WorkspaceClient().clusters`` the lab uses, on local Spark."""

    def __init__(self, home: LabHome, settings: Settings) -> None:
        self._home = home
        self._settings = settings
        self._records = RecordStore(home.clusters)

    # -- catalog ---------------------------------------------------------------------------
    def spark_versions(self) -> GetSparkVersionsResponse:
        return cluster_rules.RUNTIMES

    def list_node_types(self) -> ListNodeTypesResponse:
        return cluster_rules.NODE_TYPES

    #: The SDK's own selection logic (its Scala 2.12 default included), over our catalog.
    select_spark_version = ClustersExt.select_spark_version

    # -- life cycle ------------------------------------------------------------------------
    def create(self, spark_version: str, **spec: Any) -> Wait[ClusterDetails]:
        """Validate the spec, record the cluster PENDING and return a waiter for RUNNING."""
        spec = self._valid(spark_version, spec)
        cluster_id = _new_cluster_id()
        record = _as_json(spec) | {
            "cluster_id": cluster_id,
            "cluster_name": spec.get("cluster_name") or cluster_id,
            "creator_user_name": self._settings.user_name,
            "driver_node_type_id": spec.get("driver_node_type_id") or spec.get("node_type_id"),
            "num_workers": spec.get("num_workers", 0),
            "state": State.PENDING.value,
            "state_message": "Starting Spark",
            "start_time": _now_ms(),
        }
        self._records.put(cluster_id, record)
        return Wait(self._wait_running, cluster_id=cluster_id)

    def _valid(self, spark_version: str, spec: dict[str, Any]) -> dict[str, Any]:
        """The spec as the workspace keeps it (``is_single_node`` filled in), or the error
        naming every field this workspace or the lab refuses."""
        spec = {k: v for k, v in spec.items() if v is not None and k != "timeout"}
        spec["spark_version"] = spark_version
        cluster_rules.validate(spec, user_name=self._settings.user_name)
        return cluster_rules.with_single_node_defaults(spec)

    def create_and_wait(
        self, spark_version: str, *, timeout: timedelta = timedelta(minutes=20), **spec: Any
    ) -> ClusterDetails:
        """Create the cluster and wait until it runs. Run again, it reuses your cluster of
        that name: started again if it is terminated, edited if the spec changed (as the
        Databricks backend does), so a re-run never makes a second cluster."""
        found = self._mine(spec.get("cluster_name"))
        if found is None:
            return self.create(spark_version, **spec).result(timeout=timeout)
        valid = self._valid(spark_version, spec)
        changed = cluster_rules.changed_fields(valid, self._record(found.cluster_id))
        state = found.state.value if found.state else "UNKNOWN"
        if changed:
            print(f"Your cluster {found.cluster_name!r} ({found.cluster_id}) is {state}: "
                  f"editing {', '.join(changed)}.")  # fmt: skip
            self.edit(found.cluster_id, spark_version, **spec)
        else:
            print(f"Reusing your cluster {found.cluster_name!r} ({found.cluster_id}), {state}.")
        if self._record(found.cluster_id)["state"] == State.TERMINATED.value:
            return self.start_and_wait(found.cluster_id, timeout=timeout)
        return self._wait_running(found.cluster_id, timeout=timeout)

    def _mine(self, cluster_name: str | None) -> ClusterDetails | None:
        """The learner's newest cluster of that name, in any state."""
        mine = [
            c
            for c in self.list()
            if cluster_name
            and c.cluster_name == cluster_name
            and c.creator_user_name == self._settings.user_name
        ]
        return max(mine, key=lambda c: c.start_time or 0) if mine else None

    def edit(self, cluster_id: str, spark_version: str, **spec: Any) -> Wait[ClusterDetails]:
        """Change a RUNNING (restarted) or TERMINATED (stays so until started) cluster."""
        record = self._record(cluster_id)
        if record["state"] not in (State.RUNNING.value, State.TERMINATED.value):
            raise ResourceConflict(
                f"Cluster {cluster_id} is in unexpected state {record['state']}: only a "
                "RUNNING or TERMINATED cluster can be edited."
            )
        valid = self._valid(spark_version, spec)
        kept = {k: record[k] for k in ("cluster_id", "creator_user_name", "start_time")}
        if record["state"] == State.RUNNING.value:
            spark.stop_session()
            changes = {"state": State.PENDING.value, "state_message": "Restarting"}
            waiter = self._wait_running
        else:
            changes = {k: record[k] for k in record
                       if k in ("state", "state_message", "terminated_time",
                                "termination_reason")}  # fmt: skip
            waiter = self._wait_terminated
        self._records.put(
            cluster_id,
            _as_json(valid)
            | kept
            | changes
            | {
                "cluster_name": valid.get("cluster_name") or cluster_id,
                "driver_node_type_id": valid.get("driver_node_type_id")
                or valid.get("node_type_id"),
            },
        )
        return Wait(waiter, cluster_id=cluster_id)

    def _wait_running(
        self,
        cluster_id: str,
        timeout: timedelta = timedelta(minutes=20),
        callback: Callable[[ClusterDetails], None] | None = None,
    ) -> ClusterDetails:
        """Bring the cluster up: start this kernel's Spark session from its spec."""
        record = self._record(cluster_id)
        if record["state"] != State.RUNNING.value:
            self._attach(record)
            self._update(cluster_id, state=State.RUNNING.value, state_message="")
        details = self.get(cluster_id)
        if callback:
            callback(details)
        return details

    def start(self, cluster_id: str) -> Wait[ClusterDetails]:
        """Start a TERMINATED cluster again (as the workspace's Start button does); any
        other state is refused as a workspace refuses it."""
        record = self._record(cluster_id)
        if why := cluster_rules.start_refusal(cluster_id, record["state"]):
            raise ClusterStateError(why)
        self._update(cluster_id, state=State.PENDING.value, terminated_time=None)
        return Wait(self._wait_running, cluster_id=cluster_id)

    def start_and_wait(
        self, cluster_id: str, timeout: timedelta = timedelta(minutes=20)
    ) -> ClusterDetails:
        return self.start(cluster_id).result(timeout=timeout)

    def ensure_cluster_is_running(self, cluster_id: str) -> None:
        """As the SDK's: start a terminated cluster, wait for one on its way up."""
        state = self.get(cluster_id).state
        if state == State.TERMINATED:
            self.start_and_wait(cluster_id)
        elif state != State.RUNNING:
            self._wait_running(cluster_id)

    def delete(self, cluster_id: str) -> Wait[ClusterDetails]:
        """Terminate the cluster (the record stays, TERMINATED, as in a workspace)."""
        record = self._record(cluster_id)
        if record["state"] not in (State.TERMINATED.value, State.TERMINATING.value):
            spark.stop_session()
            self._update(
                cluster_id,
                state=State.TERMINATED.value,
                state_message="Terminated by user",
                terminated_time=_now_ms(),
                termination_reason=TerminationReason(
                    code=TerminationReasonCode.USER_REQUEST
                ).as_dict(),
            )
        return Wait(self._wait_terminated, cluster_id=cluster_id)

    def delete_and_wait(
        self, cluster_id: str, timeout: timedelta = timedelta(minutes=20)
    ) -> ClusterDetails:
        return self.delete(cluster_id).result(timeout=timeout)

    def _wait_terminated(
        self,
        cluster_id: str,
        timeout: timedelta = timedelta(minutes=20),
        callback: Callable[[ClusterDetails], None] | None = None,
    ) -> ClusterDetails:
        details = self.get(cluster_id)
        if callback:
            callback(details)
        return details

    def permanent_delete(self, cluster_id: str) -> None:
        self.delete(cluster_id)
        self._records.delete(cluster_id)

    # -- reading ---------------------------------------------------------------------------
    def get(self, cluster_id: str) -> ClusterDetails:
        return ClusterDetails.from_dict(self._record(cluster_id))

    def list(self, **_filters: Any) -> Iterator[ClusterDetails]:
        for record in self._records:
            yield ClusterDetails.from_dict(record)

    # -- the kernel's session --------------------------------------------------------------
    def attach(self, cluster_id: str):
        """This kernel's SparkSession on a RUNNING cluster (started from the cluster's spec)."""
        record = self._record(cluster_id)
        if record["state"] != State.RUNNING.value:
            raise ResourceNotFound(
                f"Cluster {record['cluster_name']!r} ({cluster_id}) is {record['state']}, "
                f"not RUNNING; start it with w.clusters.start_and_wait({cluster_id!r})."
            )
        return self._attach(record)

    def _attach(self, record: dict[str, Any]):
        return spark.start_session(
            self._home,
            app_name=record["cluster_name"],
            cores=self._settings.cores,
            memory=self._settings.spark_memory,
            spark_conf=record.get("spark_conf"),
            tuned=self._settings.tuned,
        )

    def _record(self, cluster_id: str) -> dict[str, Any]:
        record = self._records.get(cluster_id)
        if record is None:
            known = ", ".join(f"{r['cluster_name']} ({r['cluster_id']})" for r in self._records)
            raise ResourceNotFound(
                f"No cluster with id {cluster_id!r} in this lab. Known: {known or 'none'}."
            )
        return record

    def _update(self, cluster_id: str, **changes: Any) -> None:
        record = self._record(cluster_id)
        for key, value in changes.items():
            if value is None:
                record.pop(key, None)
            else:
                record[key] = value
        self._records.put(cluster_id, record)
