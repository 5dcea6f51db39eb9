"""Spark on the cluster, seen from a kernel that is not on it (steps 02, 06 and 07).

The course's Spark work (steps 03-05) runs on the cluster itself, through the notebook
engine. Two questions go to the cluster from a laptop's kernel, through the workspace's
Command Execution API (``w.command_execution``), which runs Python on the cluster's driver,
where ``spark`` is the cluster's session: step 02 asks the new cluster whether Spark answers
(``spark.range(n).count()``), and step 06's check asks what the registered Spark model
predicts, to hold the endpoint's answers to (:meth:`RemoteSpark.predictions`). Anything
else says where Spark code belongs.
"""

from __future__ import annotations

import inspect
import json
from dataclasses import dataclass

from databricks.sdk.service.compute import CommandStatus, Language, ResultType

from grader.exceptions import WorkspaceStateError
from grader.lab import reference

#: What runs on the driver before :func:`grader.lab.reference.predictions` (sent as its
#: source: the ``grader`` package is not installed there): the registry, and a DFS folder
#: under ``/Volumes`` where the cluster sees it (``MLFLOW_LAB_VOLUMES_ROOT`` on a test
#: cluster, as in ``backend.path``).
PREDICT_SETUP = """
import json, os
import mlflow
mlflow.set_registry_uri({registry_uri!r})
tmpdir = {dfs_tmpdir!r}
if tmpdir:
    if tmpdir.startswith("/Volumes/"):
        tmpdir = os.environ.get("MLFLOW_LAB_VOLUMES_ROOT", "").rstrip("/") + tmpdir
    os.environ["MLFLOW_DFS_TMP"] = tmpdir
"""


@dataclass
class RemoteRange:
    spark: RemoteSpark
    start: int
    end: int

    def count(self) -> int:
        return int(self.spark.run(f"print(spark.range({self.start}, {self.end}).count())"))


class RemoteSpark:
    """The cluster's Spark session, reached from outside the cluster."""

    def __init__(self, w, cluster_id: str) -> None:
        self._w = w
        self.cluster_id = cluster_id

    def run(self, code: str) -> str:
        """Run Python on the cluster's driver; return what it printed."""
        commands = self._w.command_execution
        context = commands.create_and_wait(cluster_id=self.cluster_id, language=Language.PYTHON)
        try:
            done = commands.execute_and_wait(
                cluster_id=self.cluster_id,
                context_id=context.id,
                language=Language.PYTHON,
                command=code,
            )
        finally:
            commands.destroy(cluster_id=self.cluster_id, context_id=context.id)
        results = done.results
        if done.status != CommandStatus.FINISHED or results is None:
            raise WorkspaceStateError(
                f"A command on cluster {self.cluster_id} ended {done.status.value}."
            )
        if results.result_type == ResultType.ERROR:
            raise WorkspaceStateError(
                f"Spark on cluster {self.cluster_id} failed: {results.summary or results.cause}"
            )
        return str(results.data).strip()

    def predictions(
        self, model_uri: str, records: list[dict], *, registry_uri: str, dfs_tmpdir: str | None
    ) -> list[float]:
        """What the Spark model at ``model_uri`` predicts for ``records``, computed on the
        cluster: this kernel has no Spark, and the model needs one to load. ``dfs_tmpdir``
        is where MLflow copies the model for Spark to read (None: MLflow's default)."""
        setup = PREDICT_SETUP.format(registry_uri=registry_uri, dfs_tmpdir=dfs_tmpdir)
        call = f"print(json.dumps(predictions(spark, {model_uri!r}, {records!r})))"
        code = "\n".join([setup, inspect.getsource(reference.predictions), call])
        printed = self.run(code).splitlines()
        return json.loads(printed[-1]) if printed else []

    def range(self, start: int, end: int | None = None) -> RemoteRange:
        return RemoteRange(self, 0, start) if end is None else RemoteRange(self, start, end)

    def __getattr__(self, name: str):
        raise AttributeError(
            f"spark.{name}: this kernel is not on the cluster. The course runs its Spark "
            "steps (03-05) on the cluster: run them with papermill's databricks engine "
            "(papermill --engine databricks ...) or open them in the workspace."
        )
