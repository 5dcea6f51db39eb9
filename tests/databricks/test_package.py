"""The grader wheel the cluster installs: complete, installable by pip's rules, reproducible."""

from __future__ import annotations

import io
import zipfile

from grader.lab.databricks.package import build_wheel


def test_wheel_holds_the_package_and_valid_metadata() -> None:
    name, data = build_wheel()
    assert name.startswith("mlflow_lab_grader-0.1.0+g") and name.endswith("-py3-none-any.whl")
    with zipfile.ZipFile(io.BytesIO(data)) as whl:
        names = whl.namelist()
        info = next(n.split("/")[0] for n in names if n.endswith(".dist-info/RECORD"))
        record = whl.read(f"{info}/RECORD").decode().splitlines()
        metadata = whl.read(f"{info}/METADATA").decode()
    assert "grader/lab/databricks/engine.py" in names and "grader/lab/log4j2.properties" in names
    assert not any("__pycache__" in n for n in names)
    assert len(record) == len(names)  # every file listed, RECORD itself last
    assert "Requires-Dist: palmerpenguins" in metadata
    assert build_wheel() == (name, data)  # same sources, same bytes: uploaded once
