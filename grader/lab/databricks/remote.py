"""Spark on the cluster, seen from a kernel that is not on it (steps 02 and 07).

The course's Spark work (steps 03-06) runs on the cluster itself, through the notebook
engine. Step 02 only asks the new cluster whether Spark answers; from a laptop's kernel
that question goes through the workspace's Command Execution API (``w.command_execution``),
which runs Python on the cluster's driver, where ``spark`` is the cluster's session.
:class:`RemoteSpark` offers just that question, ``spark.range(n).count()``; anything else
says where Spark code belongs.
"""

from __future__ import annotations

from dataclasses import dataclass

from databricks.sdk.service.compute import CommandStatus, Language, ResultType

from grader.exceptions import WorkspaceStateError


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

    def range(self, start: int, end: int | None = None) -> RemoteRange:
        return RemoteRange(self, 0, start) if end is None else RemoteRange(self, start, end)

    def __getattr__(self, name: str):
        raise AttributeError(
            f"spark.{name}: this kernel is not on the cluster. The course runs its Spark "
            "steps (03-06) on the cluster: run them with papermill's databricks engine "
            "(papermill --engine databricks ...) or open them in the workspace."
        )
