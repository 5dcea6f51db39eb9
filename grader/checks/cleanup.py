"""Step 07: no endpoint, the cluster terminated, nothing of the lab left running."""

from __future__ import annotations

from grader.checks.learner import Learner
from grader.checks.report import Report
from grader.lab import reference, spark


def cleanup(lab, learner: Learner) -> Report:
    report = Report("Step 07 · clean up")
    w = lab.workspace
    endpoints = [e.name for e in w.serving_endpoints.list()]
    report.add(
        f"endpoint {reference.ENDPOINT_NAME} deleted",
        reference.ENDPOINT_NAME not in endpoints,
        expected="no endpoint",
        found=", ".join(endpoints) or "no endpoint",
        hint="w.serving_endpoints.delete('predict-penguin')",
    )
    mine = [c for c in w.clusters.list() if c.cluster_name == reference.cluster_name(lab.user)]
    running = [c.cluster_id for c in mine if getattr(c.state, "value", c.state) != "TERMINATED"]
    report.add(
        "your cluster is terminated",
        bool(mine) and not running,
        expected="TERMINATED",
        found="no cluster"
        if not mine
        else (f"running: {', '.join(running)}" if running else "TERMINATED"),
        hint="w.clusters.delete(cluster_id) terminates it (delete_and_wait waits).",
    )
    report.add(
        "no Spark session left in this notebook",
        spark.active_session() is None,
        expected="none",
        found="a running SparkSession" if spark.active_session() else "none",
        hint="Terminating the cluster stops its Spark session.",
    )
    return report
