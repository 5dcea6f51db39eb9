"""The ``databricks`` backend: the same notebooks against a real workspace.

Two places run the lab's code. A kernel **off** the cluster (a laptop, CI) runs steps 01,
02, 06 and 07: it talks to the workspace through the SDK and MLflow, and reaches Spark
through :mod:`remote`. Steps 03-05 run **on** the cluster (imported and submitted by the
notebook engine, :mod:`grader.run.databricks.engine`): there the SparkSession is the
cluster's and MLflow tracks to the workspace. A cluster tells itself apart by ``DATABRICKS_RUNTIME_VERSION``,
which Databricks sets on every cluster.
"""

from __future__ import annotations

import os
from functools import cached_property

from grader.config import Settings
from grader.lab.databricks.auth import connect
from grader.lab.databricks.catalog import LabCatalog, ensure_schema, find_catalog
from grader.lab.databricks.naming import LearnerNames
from grader.lab.databricks.workspace import LearnerWorkspaceClient
from grader.lab.home import LabHome
from grader.lab.steps import NEEDS

#: Set by Databricks on every cluster; its presence means "this kernel is on the cluster".
ON_CLUSTER_ENV = "DATABRICKS_RUNTIME_VERSION"
#: Where the cluster's Spark sees DBFS (``dbfs:`` on Databricks; a folder on a test cluster).
DBFS_ROOT_ENV = "MLFLOW_LAB_DBFS_ROOT"
#: Where the cluster's Spark sees ``/Volumes`` (the root on Databricks; a folder on a test one).
VOLUMES_ROOT_ENV = "MLFLOW_LAB_VOLUMES_ROOT"
#: MLflow's DFS folder a Spark model is written to before it is logged (``mlflow.spark``,
#: ``MLFLOW_DFS_TMP``; default ``/tmp/mlflow``, in the DBFS root), as a lab path: in Unity
#: Catalog, inside the lab's folder of the learner's volume (MLflow leaves its copies there;
#: 07's cleanup removes the lab's folders).
DFS_TMP = "/mlflow_lab/tmp"


def _is_model_path(lab_path: str) -> bool:
    """The lab's saved models live under ``/model`` (``lab.path("/model/<name>")``)."""
    parts = lab_path.removeprefix("dbfs:").strip("/").split("/")
    return parts[0] == "model"


def on_cluster() -> bool:
    return bool(os.environ.get(ON_CLUSTER_ENV))


class DatabricksBackend:
    """A Databricks workspace through databricks-sdk, with the learner's own names."""

    name = "databricks"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.home = LabHome(settings.home_path).ensure()  # local scratch (logs, Spark dirs)

    @cached_property
    def _connection(self):
        if self.settings.trace and not on_cluster():
            self._record_trace()
        return connect()

    def _record_trace(self) -> None:
        """Record this kernel's requests to the workspace (``MLFLOW_LAB_TRACE``)."""
        from pathlib import Path

        from databricks.sdk.config import Config

        from grader.lab.databricks.trace import record_to

        try:
            host = Config().host
        except ValueError:
            return  # no credentials: connect() says what to set
        record_to(Path(self.settings.trace).expanduser(), host or "")

    @cached_property
    def names(self) -> LearnerNames:
        _w, me = self._connection
        return LearnerNames(user_name=me.user_name, display_name=me.display_name or "")

    def workspace_client(self) -> LearnerWorkspaceClient:
        return self._client

    @cached_property
    def _client(self) -> LearnerWorkspaceClient:
        w, _me = self._connection
        return LearnerWorkspaceClient(w, self.names, self.attach, catalog=self.catalog)

    @cached_property
    def catalog(self) -> LabCatalog:
        """Unity Catalog if the workspace has a metastore; if not, one line says so."""
        w, _me = self._connection
        found = find_catalog(w, self.names, self.settings.catalog)
        if not found.available:
            print(
                f"No Unity Catalog in this workspace ({found.reason}): your model goes to the "
                f"workspace registry as {self.names.workspace_model!r}, your data to DBFS."
            )
        return found

    @property
    def experiment_name(self) -> str:
        return self.names.experiment

    @property
    def model_name(self) -> str:
        """The learner's own model (a class shares the workspace): in Unity Catalog
        ``<catalog>.<schema>.penguin_predictor``, else "Penguin Predictor <learner>"."""
        return self.catalog.model if self.catalog.available else self.names.workspace_model

    @property
    def registry_uri(self) -> str:
        """Unity Catalog's registry where there is one, else the workspace registry."""
        return "databricks-uc" if self.catalog.available else "databricks"

    def needs(self, step: str) -> tuple[str, ...]:
        """What a step's setup restores. On the cluster (03-05) all of it. Off the cluster
        (01, 02, 06, 07), what needs no Spark: the data and the cluster, and for 06 a run
        with a model that must be there already (``prior_model_run``: this kernel cannot
        train one; papermill's ``databricks`` engine trains it on the cluster first). 07
        restores nothing, so it also cleans up an interrupted run. With Unity Catalog, 06
        also gives the latest run's model the lab's signature, which UC requires and the
        lab's ``log_model`` call does not pass: MLflow's artifact calls, from either place."""
        if step == "07_cleanup":
            return ()
        has_run = "model_run" in NEEDS[step]
        signed = ("signed_model",) if has_run and self.catalog.available else ()
        if on_cluster():
            return NEEDS[step] + signed
        here = tuple(n for n in NEEDS[step] if n in ("data", "cluster"))
        return here + (("prior_model_run",) if has_run else ()) + signed

    def path(self, lab_path: str) -> str:
        """A lab path as code on the cluster uses it: in your volume,
        ``/Volumes/<catalog>/<schema>/data/…`` (Spark and files alike). Without Unity
        Catalog, in your DBFS folder: Spark reads ``dbfs:/FileStore/mlflow_lab/<you>/…``,
        but MLflow saves a model (``mlflow.spark.save_model``, the lab's ``/model/…``) to a
        local path, where a ``dbfs:`` URI would become a folder named ``dbfs:``, so a model
        path is DBFS's local mount, ``/dbfs/FileStore/mlflow_lab/<you>/model/…``."""
        if self.catalog.available:
            root = os.environ.get(VOLUMES_ROOT_ENV, "")
            return root.rstrip("/") + self.catalog.volume_path(lab_path)
        dbfs = self.names.dbfs_path(lab_path)
        if DBFS_ROOT_ENV in os.environ:  # a test cluster: DBFS is a local folder
            return os.environ[DBFS_ROOT_ENV].rstrip("/") + dbfs
        if _is_model_path(lab_path):
            return "/dbfs" + dbfs
        return "dbfs:" + dbfs

    def dfs_tmpdir(self) -> str | None:
        """Where MLflow writes a Spark model before logging it, or None for MLflow's default.

        ``mlflow.spark.log_model`` first saves the model to a DFS folder, by default
        ``/tmp/mlflow`` in the DBFS root, which a workspace may have switched off (new
        workspaces do) and which shared-access and serverless compute refuse ("UC volume path
        must be provided ... Specify environment variable 'MLFLOW_DFS_TMP'"). With Unity
        Catalog the learner's own volume takes it; without, DBFS is all there is."""
        return self.path(DFS_TMP) if self.catalog.available else None

    def attach(self, cluster_id: str):
        """On the cluster: its SparkSession. Elsewhere: a handle that runs on the cluster."""
        if on_cluster():
            return self._cluster_session()
        from grader.lab.databricks.remote import RemoteSpark

        self._client.clusters.wait_running(cluster_id)
        return RemoteSpark(self._client, cluster_id)

    def _cluster_session(self):
        """The cluster's SparkSession (a notebook on Databricks always has one); on a test
        cluster, a local session started like the local backend's."""
        from pyspark.sql import SparkSession

        active = SparkSession.getActiveSession()
        if active is not None:
            return active
        from grader.lab import spark

        return spark.start_session(
            self.home,
            app_name=self.names.cluster,
            cores=self.settings.cores,
            memory=self.settings.spark_memory,
            links={folder: self.path(folder) for folder in spark.LAB_FOLDERS},
        )

    def configure_mlflow(self, experiment_name: str) -> str:
        """Track to the workspace (``databricks``) in the learner's experiment; register in
        Unity Catalog, in the learner's schema (created if missing), or where the workspace
        has no Unity Catalog in the workspace registry."""
        import mlflow
        from mlflow.environment_variables import MLFLOW_DFS_TMP

        w, _me = self._connection
        if on_cluster():
            # As on Databricks, Spark is up before the learner's code: MLflow's Databricks
            # helpers look for it (SparkContext.getOrCreate() for the REPL id) and would
            # otherwise start a context of their own, without the lab's settings.
            self._cluster_session()
        if self.catalog.available:
            ensure_schema(w, self.catalog)
        os.environ["_MLFLOW_ENABLE_UC_TRACE_UPSELL"] = "false"  # a banner on stderr per experiment
        if on_cluster() and (tmpdir := self.dfs_tmpdir()):
            os.environ[MLFLOW_DFS_TMP.name] = tmpdir
        os.environ["MLFLOW_TRACKING_URI"] = "databricks"
        os.environ["MLFLOW_REGISTRY_URI"] = self.registry_uri
        mlflow.set_tracking_uri("databricks")
        mlflow.set_registry_uri(self.registry_uri)
        w.workspace.mkdirs(self.names.notebooks_folder)  # the learner's folder (step 01 on)
        w.workspace.mkdirs(os.path.dirname(experiment_name))
        experiment = mlflow.set_experiment(experiment_name)
        return experiment.experiment_id
