"""The grader wheel the cluster installs: complete, installable by pip's rules, reproducible."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from grader.run.databricks.package import build_wheel


def test_wheel_holds_the_package_and_valid_metadata() -> None:
    name, data = build_wheel()
    assert name.startswith("mlflow_lab_grader-0.1.0+g") and name.endswith("-py3-none-any.whl")
    with zipfile.ZipFile(io.BytesIO(data)) as whl:
        names = whl.namelist()
        info = next(n.split("/")[0] for n in names if n.endswith(".dist-info/RECORD"))
        record = whl.read(f"{info}/RECORD").decode().splitlines()
        metadata = whl.read(f"{info}/METADATA").decode()
    assert "grader/run/databricks/engine.py" in names and "grader/lab/log4j2.properties" in names
    assert not any("__pycache__" in n for n in names)
    assert len(record) == len(names)  # every file listed, RECORD itself last
    assert "Requires-Dist: palmerpenguins" in metadata
    assert build_wheel() == (name, data)  # same sources, same bytes: uploaded once


def _requires(data: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(data)) as whl:
        info = next(n.split("/")[0] for n in whl.namelist() if n.endswith(".dist-info/METADATA"))
        metadata = whl.read(f"{info}/METADATA").decode()
    return [
        line.split(": ", 1)[1] for line in metadata.splitlines() if line.startswith("Requires-")
    ]


def test_the_wheel_leaves_the_runtimes_libraries_to_the_runtime() -> None:
    """A cluster installs the wheel with pip, dependencies included: declaring pyspark or
    mlflow (or bounds the runtime's copies miss) would replace the runtime's own."""
    from packaging.requirements import Requirement

    from grader.lab.runtimes import RUNTIME_LIBRARIES

    requires = [Requirement(r) for r in _requires(build_wheel()[1])]
    names = {r.name for r in requires}
    assert "palmerpenguins" in names  # what the runtime lacks
    assert not names & set(RUNTIME_LIBRARIES)
    assert all(not r.specifier for r in requires if r.name != "palmerpenguins")
    assert all(not r.extras and r.marker is None for r in requires)


def test_installing_the_wheel_over_the_libraries_it_needs_changes_nothing_else(
    tmp_path: Path,
) -> None:
    """pip's own resolution, offline: into an environment that has its dependencies (this
    one), the wheel installs itself and nothing else."""
    import json
    import subprocess
    import sys

    from grader.run.databricks.package import write_wheel

    wheel = write_wheel(tmp_path)
    report = tmp_path / "report.json"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--dry-run", "--no-index", "--quiet",
         "--report", str(report), str(wheel)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    installs = json.loads(report.read_text())["install"]
    assert [i["metadata"]["name"] for i in installs] == ["mlflow_lab_grader"]
