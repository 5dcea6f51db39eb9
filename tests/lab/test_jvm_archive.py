"""The JVM class-data archive: made from this environment's jars, used by tuned sessions
only, and really mapped by a Spark JVM (``-Xshare:on`` refuses to start otherwise)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from grader.lab import jvm_archive, spark
from grader.lab.home import LabHome

_MAPPED = """
import sys
from pyspark.sql import SparkSession
spark = (SparkSession.builder.master("local[1]").config("spark.ui.enabled", "false")
         .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
         .config("spark.driver.extraJavaOptions", sys.argv[1]).getOrCreate())
print(spark.range(7).count())
"""


def test_no_archive_no_options(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jvm_archive, "archive_path", lambda: tmp_path / "none.jsa")
    assert jvm_archive.java_options() == ""


def test_archive_path_names_the_spark_version_and_lives_in_the_environment() -> None:
    import pyspark

    path = jvm_archive.archive_path()
    assert path.is_relative_to(Path(sys.prefix))
    assert pyspark.__version__ in path.name


@pytest.mark.slow
def test_a_tuned_spark_jvm_maps_the_archive(lab_home: Path) -> None:
    made = jvm_archive.build()  # made once per environment (the nox sessions make it first)
    assert made is not None and made == jvm_archive.archive_path() and made.stat().st_size > 0
    tuned = spark.driver_java_options(LabHome(lab_home))
    plain = spark.driver_java_options(LabHome(lab_home), tuned=False)
    assert f"-XX:SharedArchiveFile={made}" in tuned
    assert "SharedArchiveFile" not in plain
    # -Xshare:on makes a JVM that cannot map the archive refuse to start
    options = jvm_archive.java_options() + " -Xshare:on"
    done = subprocess.run(
        [sys.executable, "-c", _MAPPED, options], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "7"
