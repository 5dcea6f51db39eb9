"""The local cluster's Spark settings (no Spark started here; see test_clusters.py)."""

from __future__ import annotations

from pathlib import Path

from grader.lab import spark
from grader.lab.cluster_rules import SINGLE_NODE_CONF
from grader.lab.home import LabHome


def test_session_conf_keeps_the_learners_conf_but_not_databricks_keys(lab_home: Path) -> None:
    home = LabHome(lab_home)
    learner = dict(SINGLE_NODE_CONF) | {"spark.sql.ansi.enabled": "false"}
    conf = spark.session_conf(home, cores=3, memory="2g", spark_conf=learner)
    assert conf["spark.master"] == "local[3]"  # not the learner's local[*]
    assert not any(k.startswith("spark.databricks.") for k in conf)
    assert conf["spark.sql.ansi.enabled"] == "false"
    assert conf["spark.driver.memory"] == "2g"
    assert conf["spark.ui.enabled"] == "false"
    assert conf["spark.local.dir"].startswith(str(lab_home))
    assert conf["spark.sql.warehouse.dir"].startswith(str(lab_home))


def test_driver_logs_to_the_lab_home(lab_home: Path) -> None:
    options = spark.driver_java_options(LabHome(lab_home))
    assert f"-Dmlflow.lab.log={lab_home / 'logs' / 'spark-driver.log'}" in options
    assert Path(spark.log4j_config()).is_file()
    assert f"-Dlog4j2.configurationFile={spark.log4j_config()}" in options


def test_no_session_without_starting_one() -> None:
    assert spark.active_session() is None
    assert spark.stop_session() is False


def test_untuned_conf_keeps_sparks_defaults_but_stays_on_loopback(lab_home: Path) -> None:
    home = LabHome(lab_home)
    tuned = spark.session_conf(home, cores=2, memory="1g", spark_conf=None)
    plain = spark.session_conf(home, cores=2, memory="1g", spark_conf=None, tuned=False)
    assert "spark.ui.enabled" not in plain and "spark.sql.shuffle.partitions" not in plain
    assert spark.FAST_JVM_FLAGS in tuned["spark.driver.extraJavaOptions"]
    assert spark.FAST_JVM_FLAGS not in plain["spark.driver.extraJavaOptions"]
    assert plain["spark.driver.host"] == plain["spark.driver.bindAddress"] == "127.0.0.1"
    assert plain["spark.local.dir"] == tuned["spark.local.dir"]
