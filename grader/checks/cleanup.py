"""Step 07: the endpoint deleted; the cluster terminated, with no Spark session left.

Two checks for the exercise's two halves, so each half earns its own point and a failed
table says which half is still to do.
"""

from __future__ import annotations

from grader.checks.i18n import t
from grader.checks.learner import Learner
from grader.checks.report import Report
from grader.lab import reference, spark


def endpoint(lab, learner: Learner) -> Report:
    report = Report(t("Step 07 · delete the endpoint"))
    endpoints = [e.name for e in lab.workspace.serving_endpoints.list()]
    report.add(
        t("endpoint {name} deleted", name=reference.ENDPOINT_NAME),
        reference.ENDPOINT_NAME not in endpoints,
        expected=t("no endpoint"),
        found=", ".join(endpoints) or t("no endpoint"),
        hint="w.serving_endpoints.delete('predict-penguin')",
    )
    return report


def cluster(lab, learner: Learner) -> Report:
    report = Report(t("Step 07 · terminate the cluster"))
    w = lab.workspace
    mine = [c for c in w.clusters.list() if c.cluster_name == reference.cluster_name(lab.user)]
    running = [c.cluster_id for c in mine if getattr(c.state, "value", c.state) != "TERMINATED"]
    report.add(
        t("your cluster is terminated"),
        bool(mine) and not running,
        expected="TERMINATED",
        found=t("no cluster")
        if not mine
        else (t("running: {ids}", ids=", ".join(running)) if running else "TERMINATED"),
        hint=t("w.clusters.delete(cluster_id) terminates it (delete_and_wait waits)."),
    )
    report.add(
        t("no Spark session left in this notebook"),
        spark.active_session() is None,
        expected=t("none"),
        found=t("a running SparkSession") if spark.active_session() else t("none"),
        hint=t("Terminating the cluster stops its Spark session."),
    )
    return report
