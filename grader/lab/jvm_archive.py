"""A class-data sharing (CDS) archive of the classes Spark's JVM loads.

Every notebook's kernel starts its own JVM, and a JVM spends most of its start reading,
verifying and linking the ~10,000 classes Spark, MLlib and their libraries load. Java 17
can dump those classes, already parsed, into an archive that later JVMs map from disk
(``-XX:SharedArchiveFile``): measured on 2 cores, a session's first job came about 5 s
sooner. The archive is made on this machine, from this environment's own jars, by running
the lab's kind of work once (:func:`build`); nothing is downloaded.

It lives in the environment (``<prefix>/share/mlflow-lab/``), so every lab home and the
grader's sandboxes (which see the environment read-only) share it. A JVM that cannot use it
(another Java, other jars) ignores it and starts as it would without; its CDS messages are
silenced. ``MLFLOW_LAB_TUNING=off`` leaves it out with the rest of the tuning.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

#: Seconds the archive's one run may take (a JVM, one small training, the dump at exit).
BUILD_TIMEOUT = 600


def _java() -> str:
    home = os.environ.get("JAVA_HOME")
    found = Path(home, "bin", "java") if home else shutil.which("java")
    return os.path.realpath(found) if found else "java"


def archive_path() -> Path:
    """Where this environment's archive is: named for the Java and the Spark it fits."""
    import pyspark

    key = hashlib.sha256(f"{_java()}\n{pyspark.__file__}".encode()).hexdigest()[:10]
    folder = Path(sys.prefix) / "share" / "mlflow-lab"
    return folder / f"spark-{pyspark.__version__}-{key}.jsa"


def java_options() -> str:
    """The JVM options that use the archive, or "" when it has not been made."""
    path = archive_path()
    if not path.is_file():
        return ""
    return f"-XX:SharedArchiveFile={path} -Xlog:cds=off -Xlog:cds+dynamic=off"


# The work the archive is made from: what the course's notebooks ask of Spark.
_WORK = """
import sys, tempfile
from pyspark.ml import Pipeline, PipelineModel
from pyspark.ml.classification import LogisticRegression
from pyspark.ml.evaluation import MulticlassClassificationEvaluator
from pyspark.ml.feature import MinMaxScaler, StringIndexer, VectorAssembler
from pyspark.sql import SparkSession
from pyspark.sql.functions import col
from palmerpenguins import load_penguins

spark = (SparkSession.builder.master("local[2]")
         .config("spark.ui.enabled", "false")
         .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
         .config("spark.driver.extraJavaOptions", sys.argv[1])
         .config("spark.sql.shuffle.partitions", "2").getOrCreate())
work = tempfile.mkdtemp()
load_penguins().to_csv(f"{work}/penguins.csv", index=False)
data = (spark.read.format("csv").option("header", "true").load(f"{work}/penguins.csv").dropna()
        .select(col("island").astype("string"), col("bill_length_mm").astype("float"),
                col("flipper_length_mm").astype("float"), col("species").astype("string")))
train, test = data.randomSplit([0.7, 0.3], seed=0)
pipeline = Pipeline(stages=[
    StringIndexer(inputCol="island", outputCol="island_idx"),
    VectorAssembler(inputCols=["bill_length_mm", "flipper_length_mm"], outputCol="raw"),
    MinMaxScaler(inputCol="raw", outputCol="scaled"),
    VectorAssembler(inputCols=["island_idx", "scaled"], outputCol="features"),
    StringIndexer(inputCol="species", outputCol="label"),
    LogisticRegression(maxIter=10, regParam=0.2),
])
model = pipeline.fit(train)
model.write().overwrite().save(f"{work}/model")
again = PipelineModel.load(f"{work}/model")
predictions = again.transform(test)
MulticlassClassificationEvaluator(metricName="accuracy").evaluate(predictions)
predictions.toPandas()
spark.createDataFrame(test.toPandas()).count()
spark.stop()
from pyspark import SparkContext
jvm = SparkContext._gateway.proc  # the JVM writes the archive as it exits: wait for it
jvm.stdin.close()
jvm.wait(timeout=300)
"""


def build(*, force: bool = False) -> Path | None:
    """Make the archive (about half a minute) unless it exists; return its path, or None
    when this environment's folder is not writable (Spark then starts without one)."""
    path = archive_path()
    if path.is_file() and not force:
        return path
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = Path(tempfile.mkstemp(dir=path.parent, suffix=".jsa.partial")[1])
    except OSError:
        return None
    partial.unlink()  # the JVM writes it whole at exit
    options = f"-XX:ArchiveClassesAtExit={partial} -Xlog:cds=off -Xlog:cds+dynamic=off"
    env = os.environ | {"SPARK_LOCAL_IP": "127.0.0.1", "PYSPARK_PYTHON": sys.executable}
    try:
        subprocess.run(
            [sys.executable, "-c", _WORK, options],
            env=env,
            capture_output=True,
            timeout=BUILD_TIMEOUT,
            check=True,
        )
        if not partial.is_file():
            return None
        os.replace(partial, path)  # whole or not at all: a half-written archive is never used
    except (subprocess.SubprocessError, OSError):
        return None
    finally:
        partial.unlink(missing_ok=True)
    return path


if __name__ == "__main__":
    made = build(force="--force" in sys.argv)
    print(made or "No archive: this environment's folder is not writable.")
