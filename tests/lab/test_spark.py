"""The local cluster's Spark settings (no Spark started here; see test_clusters.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

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


def test_lab_paths_are_a_viewfs_mount_table_falling_back_to_the_machine(lab_home: Path) -> None:
    """``/mlflow_lab`` is a link into the lab home's file system; every other path is the
    machine's own, through Hadoop's ViewFs (no path rewriting in Python)."""
    home = LabHome(lab_home)
    conf = spark.session_conf(home, cores=2, memory="1g", spark_conf=None, tuned=False)
    name = spark.mount_table_name(home)
    assert conf["spark.hadoop.fs.defaultFS"] == f"viewfs://{name}/"
    table = f"spark.hadoop.fs.viewfs.mounttable.{name}"
    assert conf[f"{table}.link./mlflow_lab"] == (lab_home / "dbfs" / "mlflow_lab").as_uri()
    assert conf[f"{table}.linkFallback"] == "file:///"


def test_each_lab_home_has_its_own_mount_table(tmp_path: Path) -> None:
    """Hadoop caches a file system per authority for the JVM's life: two homes, two tables."""
    one, two = LabHome(tmp_path / "one"), LabHome(tmp_path / "two")
    assert spark.mount_table_name(one) != spark.mount_table_name(two)
    assert spark.mount_table_name(one) == spark.mount_table_name(LabHome(tmp_path / "one"))


def test_links_may_point_elsewhere(lab_home: Path, tmp_path: Path) -> None:
    volume = tmp_path / "Volumes" / "main" / "lab" / "data" / "mlflow_lab"
    conf = spark.lab_file_system_conf(LabHome(lab_home), {"/mlflow_lab": str(volume)})
    assert volume.as_uri() in conf.values()
    uri = spark.lab_file_system_conf(LabHome(lab_home), {"/mlflow_lab": "dbfs:/FileStore/x"})
    assert "dbfs:/FileStore/x" in uri.values()


@pytest.mark.slow
def test_spark_reads_lab_paths_machine_paths_and_relative_paths(
    lab_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = LabHome(lab_home).ensure()
    (home.dbfs / "mlflow_lab").mkdir()
    (home.dbfs / "mlflow_lab" / "penguins.csv").write_text("a,b\n1,lab\n")
    (tmp_path / "machine.csv").write_text("a,b\n2,machine\n")
    (tmp_path / "here.csv").write_text("a,b\n3,here\n")
    monkeypatch.chdir(tmp_path)
    session = spark.start_session(home, app_name="paths", cores=1, memory="512m")
    try:
        read = session.read.format("csv").option("header", "true")
        assert read.load("/mlflow_lab/penguins.csv").first()["b"] == "lab"
        assert read.load(str(tmp_path / "machine.csv")).first()["b"] == "machine"
        assert read.load("here.csv").first()["b"] == "here"
        session.range(3).write.parquet("/mlflow_lab/written")
        assert (home.dbfs / "mlflow_lab" / "written" / "_SUCCESS").is_file()
    finally:
        spark.stop_session()
