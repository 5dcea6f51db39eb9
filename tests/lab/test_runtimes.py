"""The Databricks Runtime ML LTS releases: the workspace lists them, the course picks the
newest, each pins the runtime's libraries, and a moved library is named."""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

import pytest

from grader.config import Settings
from grader.lab import cluster_rules, runtimes
from grader.lab.home import LabHome
from grader.lab.runtimes import ML_LTS, NEWEST, RUNTIME_LIBRARIES, MLRuntime
from grader.lab.workspace import LocalWorkspaceClient


def test_every_pinned_runtime_is_listed_and_the_course_picks_the_newest(lab_home: Path) -> None:
    w = LocalWorkspaceClient(LabHome(lab_home), Settings(home=str(lab_home), user="a@b.c"))
    listed = {v.key: v.name for v in cluster_rules.RUNTIMES.versions}
    for runtime in ML_LTS:
        assert listed[runtime.key] == runtime.name
    chosen = w.clusters.select_spark_version(
        latest=True, long_term_support=True, ml=True, gpu=False, scala="2.13"
    )
    assert chosen == NEWEST.key == max(ML_LTS, key=lambda r: float(r.version)).key
    # a newer runtime that is not LTS is listed, and not chosen
    assert any(float(k.split(".x")[0]) > float(NEWEST.version) for k in listed)


def test_each_runtime_pins_its_libraries_exactly_with_sources() -> None:
    for runtime in ML_LTS:
        pins = runtime.pins()
        assert set(pins) == set(RUNTIME_LIBRARIES)
        assert pins["pyspark"] == runtime.spark  # the Apache Spark release it is built on
        assert all(line.count("==") == 1 for line in runtime.requirements())
        assert runtime.sources and all(s.startswith("https://") for s in runtime.sources)
        assert runtime.python.startswith("3.")


def test_an_unknown_runtime_is_refused_naming_the_known_ones() -> None:
    with pytest.raises(KeyError, match=r"'9\.9'.*16\.4, 17\.3, 18\.0"):
        runtimes.by_version("9.9")


def test_drift_names_each_moved_library_and_check_fails(capsys) -> None:
    runtime = runtimes.by_version("16.4")  # this environment has the project's pins instead
    moved = runtimes.drift(runtime)
    installed = metadata.version("pyspark")
    assert f"pyspark {installed} (the runtime's: 3.5.2)" in moved
    assert runtimes.main(["check", "16.4"]) == 1
    assert "changed the runtime's libraries" in capsys.readouterr().err


def test_an_environment_with_the_runtimes_versions_has_no_drift(capsys) -> None:
    here = MLRuntime(
        version="0.0",
        spark=metadata.version("pyspark"),
        python="3.11",
        libraries={name: metadata.version(name) for name in RUNTIME_LIBRARIES},
        sources=("https://example.com",),
    )
    assert runtimes.drift(here) == []
    assert runtimes.main(["pins", "17.3"]) == 0
    assert "mlflow==3.0.1" in capsys.readouterr().out.splitlines()


def test_extra_bounds_never_touch_a_runtime_library() -> None:
    from packaging.requirements import Requirement

    for runtime in ML_LTS:
        for line in runtime.also:
            assert Requirement(line).name not in RUNTIME_LIBRARIES
    assert all(r.also == (runtimes.SQLALCHEMY_2_0, runtimes.STARLETTE_0) for r in ML_LTS)
