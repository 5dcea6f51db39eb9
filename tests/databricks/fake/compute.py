"""Clusters (PENDING → RUNNING → TERMINATING → TERMINATED on the fake's timings) and the
Command Execution API, whose Python runs with a real local Spark as the cluster's driver."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from databricks.sdk.service.compute import (
    ClustersAPI,
    ClusterSpec,
    DataSecurityMode,
    Kind,
    Language,
)

from grader.lab import cluster_rules
from tests.databricks.fake.contract import parse
from tests.databricks.fake.errors import FakeError, invalid, not_found, one_of, require

REPO = Path(__file__).resolve().parents[3]
#: Python start-up of the fake cluster (its ``sitecustomize``): see the module's docstring.
CLUSTER_SITE = Path(__file__).resolve().parent / "cluster_site"
PROFILE = "spark.databricks.cluster.profile"
LANGUAGES = tuple(lang.value for lang in Language)
#: Python's preamble on the fake driver: ``spark`` is the cluster's (local) session.
DRIVER_PREAMBLE = """\
from pyspark.sql import SparkSession
spark = (SparkSession.builder.master("local[1]").config("spark.ui.enabled", "false")
         .config("spark.driver.host", "127.0.0.1").getOrCreate())
spark.sparkContext.setLogLevel("ERROR")
"""


class FakeCompute:
    def __init__(self, fake) -> None:
        self.fake = fake
        self.clusters: dict[str, dict[str, Any]] = {}
        #: the next created cluster fails to launch with this termination code
        self.fail_next_launch: str | None = None
        self._ids = itertools.count(1)
        self._contexts: dict[str, str] = {}  # context id → cluster id
        self._commands: dict[str, dict[str, Any]] = {}
        self._procs: list[subprocess.Popen] = []

    def register(self) -> None:
        r = self.fake.route
        r("GET", "/api/2.1/clusters/spark-versions", lambda **_: cluster_rules.RUNTIMES.as_dict())
        r(
            "GET",
            "/api/2.1/clusters/list-node-types",
            lambda **_: cluster_rules.NODE_TYPES.as_dict(),
        )
        r("POST", "/api/2.1/clusters/create", self.create)
        r("GET", "/api/2.1/clusters/get", self.get)
        r("GET", "/api/2.1/clusters/list", self.list)
        r("POST", "/api/2.1/clusters/delete", self.delete)
        r("POST", "/api/2.1/clusters/start", self.start)
        r("POST", "/api/2.1/clusters/edit", self.edit)
        r("POST", "/api/1.2/contexts/create", self.context_create)
        r("GET", "/api/1.2/contexts/status", self.context_status)
        r("POST", "/api/1.2/contexts/destroy", self.context_destroy)
        r("POST", "/api/1.2/commands/execute", self.command_execute)
        r("GET", "/api/1.2/commands/status", self.command_status)

    # -- clusters ----------------------------------------------------------------------------
    def _checked_spec(self, body: dict[str, Any], method) -> dict[str, Any]:
        """The cluster spec of a create or edit, refused as a workspace refuses it (rows C1-C9
        of CONTRACT.md); returns it with what ``is_single_node`` sets filled in."""
        spec = parse(body, ClusterSpec, method=method)
        require(body, "spark_version")
        versions = {v.key for v in cluster_rules.RUNTIMES.versions}
        if spec.spark_version not in versions:
            raise invalid(f"Invalid spark version {spec.spark_version}.")
        if not spec.node_type_id and not spec.instance_pool_id:
            raise invalid("Missing required field: node_type_id")
        node_types = {n.node_type_id for n in cluster_rules.NODE_TYPES.node_types}
        if spec.node_type_id and spec.node_type_id not in node_types:
            raise invalid(f"Node type {spec.node_type_id} is not supported.")
        if spec.kind != Kind.CLASSIC_PREVIEW:
            for name in ("is_single_node", "use_ml_runtime"):
                if body.get(name) is not None:
                    raise invalid(f"{name} is not allowed with unspecified kind.")
        conf = spec.spark_conf or {}
        if spec.kind is not None and spec.data_security_mode is not None and PROFILE in conf:
            raise invalid(f"Spark Conf: `{PROFILE}` is not allowed when choosing an access mode")
        dedicated = (DataSecurityMode.SINGLE_USER, DataSecurityMode.DATA_SECURITY_MODE_DEDICATED)
        if spec.data_security_mode in dedicated and not spec.single_user_name:
            raise invalid(
                f"single_user_name is required for data_security_mode "
                f"{spec.data_security_mode.value}"
            )
        minutes = spec.autotermination_minutes
        if minutes is not None and minutes != 0 and not 10 <= minutes <= 10000:
            raise invalid("autotermination_minutes must be 0 or between 10 and 10000")
        if spec.runtime_engine is not None and "-photon-" in spec.spark_version:
            raise invalid(
                "runtime_engine is not compatible with a spark_version that contains "
                "'-photon-': remove '-photon-' and set runtime_engine to PHOTON."
            )
        record = dict(body)
        record["num_workers"] = body.get("num_workers", 0)
        if spec.is_single_node:  # "Databricks will automatically set" these (the SDK's doc)
            record["spark_conf"] = {**conf, PROFILE: "singleNode", "spark.master": "local[*]"}
            record["custom_tags"] = {**(spec.custom_tags or {}), "ResourceClass": "SingleNode"}
        return record

    def create(self, body, **_):
        record = self._checked_spec(body, ClustersAPI.create)
        cluster_id = time.strftime("%m%d-%H%M%S-", time.gmtime()) + f"fake{next(self._ids):04d}"
        record |= {"cluster_id": cluster_id, "creator_user_name": self.fake.user_name,
                   "state": "PENDING", "state_message": "Finding instances for new nodes",
                   "start_time": self.fake.now_ms(),
                   "_since": time.monotonic(), "_fails": self.fail_next_launch}  # fmt: skip
        self.fail_next_launch = None
        with self.fake.lock:
            self.clusters[cluster_id] = record
        return {"cluster_id": cluster_id}

    def edit(self, body, **_):
        """Only a RUNNING (restarted) or TERMINATED (stays so) cluster can be edited (C10)."""
        require(body, "cluster_id")
        old = self.record(body["cluster_id"])
        if old["state"] not in ("RUNNING", "TERMINATED"):
            raise FakeError(400, "INVALID_STATE", f"Cluster {body['cluster_id']} is in "
                            f"unexpected state {old['state']}.")  # fmt: skip
        spec = self._checked_spec({k: v for k, v in body.items() if k != "cluster_id"},
                                  ClustersAPI.edit)  # fmt: skip
        kept = {k: old[k] for k in ("cluster_id", "creator_user_name", "start_time", "_fails")}
        restart = {"state": "PENDING", "state_message": "Restarting to apply the new spec",
                   "_since": time.monotonic()} if old["state"] == "RUNNING" else {
                   k: old[k] for k in old if k in ("state", "state_message", "_since",
                   "terminated_time", "termination_reason")}  # fmt: skip
        with self.fake.lock:
            self.clusters[body["cluster_id"]] = spec | kept | restart

    def _advance(self, record: dict[str, Any]) -> dict[str, Any]:
        """Move a cluster along its life cycle as time passes."""
        elapsed = time.monotonic() - record["_since"]
        timings = self.fake.timings
        if record["state"] == "PENDING" and elapsed >= timings.cluster_start:
            if record["_fails"]:
                record.update(state="TERMINATED", _since=time.monotonic(),
                              state_message="Cluster launch failed: the cloud provider has no "
                              "capacity for Standard_D4ds_v5 in this region.",
                              termination_reason={"code": record["_fails"], "type": "CLOUD_FAILURE"},
                              terminated_time=self.fake.now_ms())  # fmt: skip
            else:
                record.update(state="RUNNING", state_message="", _since=time.monotonic())
        elif record["state"] == "TERMINATING" and elapsed >= timings.cluster_stop:
            record.update(state="TERMINATED", terminated_time=self.fake.now_ms(),
                          state_message="Terminated by user", _since=time.monotonic())  # fmt: skip
        return record

    def record(self, cluster_id: str | None) -> dict[str, Any]:
        with self.fake.lock:
            if cluster_id not in self.clusters:
                raise FakeError(
                    400, "INVALID_PARAMETER_VALUE", f"Cluster {cluster_id} does not exist"
                )
            return self._advance(self.clusters[cluster_id])

    @staticmethod
    def _public(record: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in record.items() if not k.startswith("_")}

    def get(self, query, **_):
        require(query, "cluster_id")
        return self._public(self.record(query["cluster_id"]))

    def list(self, **_):
        ids = list(self.clusters)
        return {"clusters": [self._public(self.record(i)) for i in ids]}

    def delete(self, body, **_):
        require(body, "cluster_id")
        record = self.record(body["cluster_id"])
        if record["state"] not in ("TERMINATING", "TERMINATED"):
            record.update(state="TERMINATING", _since=time.monotonic(),
                          termination_reason={"code": "USER_REQUEST", "type": "SUCCESS"})  # fmt: skip

    def start(self, body, **_):
        """Start a TERMINATED cluster; any other state is refused, as workspaces do (C11)."""
        require(body, "cluster_id")
        record = self.record(body["cluster_id"])
        if why := cluster_rules.start_refusal(body["cluster_id"], record["state"]):
            raise FakeError(400, "INVALID_STATE", why)
        record.update(state="PENDING", _since=time.monotonic(), _fails=None,
                      start_time=self.fake.now_ms())  # fmt: skip

    def running(self, cluster_id: str | None) -> dict[str, Any]:
        record = self.record(cluster_id)
        if record["state"] != "RUNNING":
            raise FakeError(400, "INVALID_STATE", f"Cluster {cluster_id} is {record['state']}, "
                            "not RUNNING.")  # fmt: skip
        return record

    # -- the cluster's driver ----------------------------------------------------------------
    def environment(self, cluster_id: str) -> dict[str, str]:
        """What code on this cluster sees: Databricks' runtime variable, the workspace's
        host and token (notebook-native auth), MLflow tracking to the workspace, DBFS and
        ``/Volumes`` (folders of the fake)."""
        record = self.record(cluster_id)
        scratch = self.fake.root / "clusters" / cluster_id
        (scratch / "tmp").mkdir(parents=True, exist_ok=True)
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("MLFLOW_", "DATABRICKS_", "PYSPARK_", "SPARK_"))}  # fmt: skip
        return env | {
            "DATABRICKS_RUNTIME_VERSION": record["spark_version"].split("-")[0],
            "DATABRICKS_HOST": self.fake.url,
            "DATABRICKS_TOKEN": self.fake.token,
            "MLFLOW_TRACKING_URI": "databricks",
            "MLFLOW_LAB_DBFS_ROOT": str(self.fake.files.dbfs),
            "MLFLOW_LAB_VOLUMES_ROOT": str(self.fake.catalog.storage),
            "MLFLOW_LAB_HOME": str(scratch / "lab-home"),
            "MLFLOW_DISABLE_TELEMETRY": "true",
            "DO_NOT_TRACK": "true",
            "PYTHONPATH": os.pathsep.join([str(REPO), str(CLUSTER_SITE)]),
            "TMPDIR": str(scratch / "tmp"),
        }

    def context_create(self, body, **_):
        require(body, "clusterId", "language")
        one_of(body, "language", LANGUAGES)
        self.running(body["clusterId"])
        context_id = f"ctx-{next(self._ids)}"
        self._contexts[context_id] = body["clusterId"]
        return {"id": context_id}

    def context_status(self, query, **_):
        require(query, "clusterId", "contextId")
        if self._contexts.get(query["contextId"]) != query["clusterId"]:
            raise not_found(f"Context {query['contextId']} does not exist")
        return {"id": query["contextId"], "status": "Running"}

    def context_destroy(self, body, **_):
        require(body, "clusterId", "contextId")
        self._contexts.pop(body["contextId"], None)

    def command_execute(self, body, **_):
        require(body, "clusterId", "contextId", "command")
        if self._contexts.get(body["contextId"]) != body["clusterId"]:
            raise not_found(f"Context {body['contextId']} does not exist")
        self.running(body["clusterId"])
        command_id = f"cmd-{next(self._ids)}"
        self._commands[command_id] = {"id": command_id, "status": "Running"}
        env = self.environment(body["clusterId"])
        threading.Thread(
            target=self._execute, args=(command_id, body["command"], env), daemon=True
        ).start()
        return {"id": command_id}

    def _execute(self, command_id: str, code: str, env: dict[str, str]) -> None:
        proc = subprocess.Popen(
            [sys.executable, "-c", DRIVER_PREAMBLE + code],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        self._procs.append(proc)
        out, err = proc.communicate()
        if proc.returncode == 0:
            results = {"resultType": "text", "data": out}
        else:
            last = (err.strip().splitlines() or ["error"])[-1]
            results = {"resultType": "error", "summary": last, "cause": err[-2000:]}
        self._commands[command_id] = {"id": command_id, "status": "Finished", "results": results}

    def command_status(self, query, **_):
        require(query, "clusterId", "contextId", "commandId")
        if query["commandId"] not in self._commands:
            raise not_found(f"Command {query['commandId']} does not exist")
        return self._commands[query["commandId"]]

    def stop(self) -> None:
        for proc in self._procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
