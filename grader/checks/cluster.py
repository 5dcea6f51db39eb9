"""Step 02: the cluster spec is the lab's, the cluster runs, and Spark answers on it."""

from __future__ import annotations

from grader.checks.i18n import t
from grader.checks.learner import MISSING, Learner
from grader.checks.report import Report
from grader.lab import cluster_rules


def _value(x):
    return getattr(x, "value", x)


def spec(lab, learner: Learner) -> Report:
    report = Report(t("Step 02 · the cluster spec"))
    cluster = learner.get(
        "cluster",
        report,
        expected=t("the ClusterDetails create_and_wait returned"),
        hint="cluster = w.clusters.create_and_wait(...)",
    )
    if cluster is MISSING:
        return report
    w = lab.workspace
    details = w.clusters.get(cluster.cluster_id)
    latest_lts_ml = w.clusters.select_spark_version(
        latest=True, long_term_support=True, ml=True, gpu=False, scala="2.13"
    )
    report.add(
        t("runtime: latest LTS ML, no GPU, Scala 2.13"),
        details.spark_version == latest_lts_ml,
        expected=latest_lts_ml,
        found=details.spark_version,
        hint=t(
            "select_spark_version(latest=True, long_term_support=True, ml=True, "
            "gpu=False, scala='2.13'): its scala defaults to 2.12."
        ),
    )
    report.add(
        t("single node, no workers"),
        cluster_rules.is_single_node(details.as_dict()) and not details.num_workers,
        expected="kind=CLASSIC_PREVIEW, is_single_node=True",
        found=(
            f"kind={_value(details.kind)}, is_single_node={details.is_single_node}, "
            f"num_workers={details.num_workers}"
        ),
        hint=t(
            "A single-node cluster is one driver and no workers: kind=Kind.CLASSIC_PREVIEW "
            "with is_single_node=True (or the older way, without kind: num_workers=0, "
            "spark_conf with the singleNode profile and spark.master local[*], and the tag "
            "ResourceClass=SingleNode)."
        ),
    )
    report.add(
        t("node type"),
        details.node_type_id == cluster_rules.LAB_NODE_TYPE,
        expected=cluster_rules.LAB_NODE_TYPE,
        found=details.node_type_id,
        hint="node_type_id='Standard_D4ds_v5'",
    )
    report.add(
        t("no Photon"),
        _value(details.runtime_engine) in (None, "STANDARD")
        and "photon" not in details.spark_version,
        expected="runtime_engine STANDARD",
        found=str(_value(details.runtime_engine)),
        hint="runtime_engine=RuntimeEngine.STANDARD",
    )
    report.add(
        t("single-user access for you"),
        _value(details.data_security_mode) == "SINGLE_USER"
        and details.single_user_name == lab.user.user_name,
        expected=t("SINGLE_USER for {user}", user=lab.user.user_name),
        found=t(
            "{mode} for {user}",
            mode=_value(details.data_security_mode),
            user=details.single_user_name,
        ),
        hint="data_security_mode=DataSecurityMode.SINGLE_USER, single_user_name=me.user_name",
    )
    report.add(
        t("terminates after 20 idle minutes"),
        details.autotermination_minutes == cluster_rules.LAB_AUTOTERMINATION_MINUTES,
        expected="20",
        found=str(details.autotermination_minutes),
        hint="autotermination_minutes=20",
    )
    return report


def running(lab, learner: Learner) -> Report:
    report = Report(t("Step 02 · the cluster runs and Spark answers"))
    cluster = learner.get(
        "cluster",
        report,
        expected="ClusterDetails",
        hint="cluster = w.clusters.create_and_wait(...)",
    )
    spark = learner.get(
        "spark",
        report,
        expected=t("a SparkSession"),
        hint="spark = lab.connect(cluster.cluster_id)",
    )
    if cluster is not MISSING:
        state = _value(lab.workspace.clusters.get(cluster.cluster_id).state)
        report.add(
            t("the cluster is RUNNING"),
            state == "RUNNING",
            expected="RUNNING",
            found=str(state),
            hint=t("create_and_wait returns once the cluster runs; did something terminate it?"),
        )
    if spark is not MISSING:
        try:
            answer = spark.range(100).count()
        except Exception as exc:  # any failure is the learner's to see
            answer = f"{type(exc).__name__}: {exc}"
        report.add(
            t("Spark answers: spark.range(100).count()"),
            answer == 100,
            expected="100",
            found=str(answer),
            hint="spark = lab.connect(cluster.cluster_id)",
        )
    return report
