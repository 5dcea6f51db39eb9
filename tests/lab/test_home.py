"""LabHome: the layout of the lab home and the mapping of lab paths into it."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.exceptions import GraderError
from grader.lab.home import LabHome


@pytest.fixture
def home(lab_home: Path) -> LabHome:
    return LabHome(lab_home)


@pytest.mark.parametrize(
    "path", ["/mlflow_lab/x", "dbfs:/mlflow_lab/x", "/dbfs/mlflow_lab/x", "mlflow_lab/x"]
)
def test_dbfs_path_forms_map_to_the_same_file(home: LabHome, path: str) -> None:
    assert home.dbfs_path(path) == home.root / "dbfs" / "mlflow_lab" / "x"


def test_dbfs_root_and_nested(home: LabHome) -> None:
    assert home.dbfs_path("/") == home.dbfs
    assert home.dbfs_path("dbfs:/") == home.dbfs
    assert home.dbfs_path("/model/classifier-1/MLmodel") == home.dbfs / "model/classifier-1/MLmodel"
    # only a leading /dbfs is the mount; deeper "dbfs" folders are kept
    assert home.dbfs_path("/mlflow_lab/dbfs/x") == home.dbfs / "mlflow_lab/dbfs/x"


@pytest.mark.parametrize(
    "path",
    ["/mlflow_lab/../../etc/passwd", "../x", "dbfs:/../x", "/dbfs/../x", "/mlflow_lab/.."],
)
def test_dbfs_path_refuses_climbing_out(home: LabHome, path: str) -> None:
    with pytest.raises(GraderError, match=r"'\.\.' is not allowed"):
        home.dbfs_path(path)


def test_layout(home: LabHome) -> None:
    assert home.mlflow_db == home.root / "mlflow.db"
    assert home.tracking_uri == f"sqlite:///{home.root / 'mlflow.db'}"
    names = [p.name for p in (home.artifacts, home.dbfs, home.clusters, home.endpoints)]
    assert names == ["artifacts", "dbfs", "clusters", "endpoints"]


def test_ensure_creates_folders_and_is_idempotent(home: LabHome) -> None:
    assert not home.root.exists()
    assert home.ensure() is home
    (home.dbfs / "keep.txt").write_text("kept")
    home.ensure()
    for folder in (home.artifacts, home.dbfs, home.clusters, home.endpoints, home.logs, home.spark):
        assert folder.is_dir()
    assert (home.dbfs / "keep.txt").read_text() == "kept"
