"""The local "cluster": a SparkSession in the notebook's kernel, tuned to start fast and quiet.

Nothing starts on import. :func:`start_session` is called when a notebook attaches to a
cluster (``lab.connect``); the JVM lives as long as the kernel and dies with it.
"""

from __future__ import annotations

import hashlib
import os
import sys
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from grader.lab import jvm_archive
from grader.lab.home import LabHome
from grader.lab.java import require_java

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

#: Measured on 2 cores: C1-only JIT and the serial GC take ~3 s off a JVM's start.
FAST_JVM_FLAGS = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"

#: The model server's JVM: the fast flags, and C1 compiles a method after a twentieth of
#: the usual calls. A request makes ~200 short Py4J calls into Catalyst's analyzer, most
#: of its methods once per request: with the usual thresholds the endpoint reached compiled
#: speed only over its first ~100 queries (measured: p50 of 200 queries 43 ms at 0.05,
#: 46 ms at 0.2, same start-up). Full C2 was measured slower here: its compiler threads
#: compete for the 2 cores for the first ~400 queries, and its JVM starts ~5 s later.
ENDPOINT_JVM_FLAGS = f"{FAST_JVM_FLAGS} -XX:CompileThresholdScaling=0.05"

#: Spark settings of the model server's own session (MLflow's spark flavor builds it; they
#: reach it through spark-submit). Per request, the optimizer folds the one-row input and
#: the pipeline's Scala UDFs into a local relation and evaluates them row by row; with
#: code generation on, every request generates source for the UDFs' encoders, and compiles
#: classes the JIT then compiles again: ~15% of the JVM's time. The interpreted path gives
#: the same doubles (the benchmark compares every test-set prediction with the Spark
#: model's). No UI: nobody looks at it, and it costs start-up and per-query listener work.
ENDPOINT_SPARK_CONF = {
    "spark.sql.codegen.factoryMode": "NO_CODEGEN",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
}

#: spark_conf keys that only mean something on Databricks; kept in the cluster record,
#: not passed to local Spark.
DATABRICKS_ONLY_PREFIXES = ("spark.databricks.",)


#: The lab's workspace folders: on Databricks ``/mlflow_lab/...`` is a DBFS path; here it
#: is the same folder under the lab home's ``dbfs/`` (see :func:`lab_file_system_conf`).
LAB_FOLDERS = ("/mlflow_lab",)


def mount_table_name(home: LabHome) -> str:
    """The ViewFs mount table (and ``viewfs://`` authority) of a lab home: one per home,
    because Hadoop caches a file system per scheme and authority for the JVM's life."""
    digest = hashlib.sha256(str(home.root.resolve()).encode()).hexdigest()[:12]
    return f"mlflow-lab-{digest}"


def lab_file_system_conf(home: LabHome, links: dict[str, str] | None = None) -> dict[str, str]:
    """Hadoop settings that make Spark read the lab's paths as DBFS does on a workspace.

    The default file system becomes a ViewFs mount table (Hadoop's own client-side mount
    table, ``org.apache.hadoop.fs.viewfs.ViewFileSystem``): each lab folder is a link to its
    place in the lab's file system (``links``: lab folder -> local folder; by default
    :data:`LAB_FOLDERS` under the home's ``dbfs/``), and every other path falls back to the
    machine's own (``linkFallback``), so ``spark.read...load("/mlflow_lab/penguins.csv")``
    reads ``<lab home>/dbfs/mlflow_lab/penguins.csv`` while ``/tmp/...`` stays ``/tmp/...``.
    Keys: Hadoop's ViewFs guide (``fs.viewfs.mounttable.<name>.link.<path>``,
    ``.linkFallback``)."""
    name = mount_table_name(home)
    conf = {
        "spark.hadoop.fs.defaultFS": f"viewfs://{name}/",
        f"spark.hadoop.fs.viewfs.mounttable.{name}.linkFallback": "file:///",
    }
    for folder, target in lab_links(home, links).items():
        conf[f"spark.hadoop.fs.viewfs.mounttable.{name}.link.{folder}"] = _as_uri(target)
    return conf


def _as_uri(target: str) -> str:
    """A local folder as a ``file:`` URI; a URI (``dbfs:/...``) as it is."""
    return target if _is_uri(target) else Path(target).as_uri()


def _is_uri(target: str) -> bool:
    return ":" in target.split("/", 1)[0]


def lab_links(home: LabHome, links: dict[str, str] | None = None) -> dict[str, str]:
    """Lab folder -> the local folder it is (by default, under the home's ``dbfs/``)."""
    if links is not None:
        return links
    return {folder: str(home.dbfs_path(folder)) for folder in LAB_FOLDERS}


def log4j_config() -> str:
    return str(resources.files("grader.lab") / "log4j2.properties")


def driver_java_options(home: LabHome, *, tuned: bool = True) -> str:
    log = home.logs / "spark-driver.log"
    flags = f"{FAST_JVM_FLAGS} {jvm_archive.java_options()} " if tuned else ""
    return f"{flags}-Dlog4j2.configurationFile={log4j_config()} -Dmlflow.lab.log={log}"


def session_conf(
    home: LabHome,
    *,
    cores: int,
    memory: str,
    spark_conf: dict | None,
    tuned: bool = True,
    links: dict[str, str] | None = None,
) -> dict:
    """The Spark settings of a local cluster: the learner's spark_conf, then ours on top.

    Untuned (``MLFLOW_LAB_TUNING=off``, the benchmark's baseline) keeps Spark's defaults
    for speed (UI, JIT, GC, 200 shuffle partitions) and only what keeps the lab on this
    machine and quiet: loopback, the lab home's folders, the log file."""
    conf = {
        k: v
        for k, v in (spark_conf or {}).items()
        if not k.startswith(DATABRICKS_ONLY_PREFIXES) and k != "spark.master"
    }
    conf.update(
        {
            "spark.master": f"local[{cores}]",
            "spark.driver.memory": memory,
            "spark.ui.showConsoleProgress": "false",
            "spark.driver.host": "127.0.0.1",
            "spark.driver.bindAddress": "127.0.0.1",
            "spark.local.dir": str(home.spark / "local"),
            "spark.sql.warehouse.dir": str(home.spark / "warehouse"),
            "spark.driver.extraJavaOptions": driver_java_options(home, tuned=tuned),
            **lab_file_system_conf(home, links),
        }
    )
    if tuned:
        conf.update(
            {
                "spark.ui.enabled": "false",
                "spark.sql.shuffle.partitions": str(max(2, cores)),
                "spark.default.parallelism": str(max(2, cores)),
            }
        )
    return conf


def start_session(
    home: LabHome,
    *,
    app_name: str,
    cores: int,
    memory: str,
    spark_conf: dict | None = None,
    tuned: bool = True,
    links: dict[str, str] | None = None,
) -> SparkSession:
    """Start (or return the running) SparkSession of this kernel.

    ``links`` maps the lab's folders (``/mlflow_lab``) to the local folders Spark reads
    them from (see :func:`lab_file_system_conf`)."""
    require_java()
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"
    home.ensure()
    for target in lab_links(home, links).values():  # Spark writes only into a folder that is
        if not _is_uri(target):
            Path(target).mkdir(parents=True, exist_ok=True)
    from pyspark.sql import SparkSession

    running = active_session()
    if running is not None:
        return running
    from pyspark import SparkConf, SparkContext
    from pyspark.java_gateway import launch_gateway

    conf = SparkConf().setAppName(app_name)
    settings = session_conf(
        home, cores=cores, memory=memory, spark_conf=spark_conf, tuned=tuned, links=links
    )
    conf.setAll(settings.items())
    # The JVM writes to its stderr before log4j is up (module warnings, the native BLAS
    # probe); in Jupyter that becomes red stderr in the learner's cell. Send it to the log.
    # After a stop, pyspark keeps its JVM and reuses it: launch one only when there is none.
    gateway = SparkContext._gateway
    if gateway is None:
        jvm_log = open(home.logs / "spark-jvm.log", "ab")  # noqa: SIM115 (lives with the JVM)
        gateway = launch_gateway(conf, popen_kwargs={"stdout": jvm_log, "stderr": jvm_log})
    context = SparkContext(conf=conf, gateway=gateway)
    context.setLogLevel("ERROR")
    _keep_relative_paths_local(context)
    return SparkSession(context)


def _keep_relative_paths_local(context) -> None:
    """A relative path (``spark.read.csv("data.csv")``) means the kernel's folder, as it
    does with Hadoop's local file system; ViewFs would start in ``/user/<name>``."""
    jvm = context._jvm
    fs = jvm.org.apache.hadoop.fs.FileSystem.get(context._jsc.hadoopConfiguration())
    fs.setWorkingDirectory(jvm.org.apache.hadoop.fs.Path(os.getcwd()))


def active_session() -> SparkSession | None:
    """This kernel's SparkSession if one is running, without starting one."""
    if "pyspark" not in sys.modules:
        return None
    from pyspark.sql import SparkSession

    return SparkSession.getActiveSession()


def stop_session() -> bool:
    """Stop this kernel's SparkSession (and its JVM's work); True if one was running."""
    session = active_session()
    if session is None:
        return False
    session.stop()
    return True
