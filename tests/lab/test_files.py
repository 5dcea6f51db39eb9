"""``w.dbfs`` on the local backend: the lab's file system under the lab home."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from databricks.sdk.errors import NotFound, ResourceAlreadyExists

from grader.exceptions import GraderError, ResourceConflict, ResourceNotFound
from grader.lab.files import DbfsAPI
from grader.lab.home import LabHome


@pytest.fixture
def home(lab_home: Path) -> LabHome:
    return LabHome(lab_home).ensure()


@pytest.fixture
def dbfs(home: LabHome) -> DbfsAPI:
    return DbfsAPI(home)


def read(dbfs: DbfsAPI, path: str) -> bytes:
    with dbfs.download(path) as f:
        return f.read()


def test_mkdirs_upload_download(dbfs: DbfsAPI, home: LabHome) -> None:
    dbfs.mkdirs("/mlflow_lab")
    dbfs.mkdirs("/mlflow_lab")  # idempotent
    assert dbfs.exists("/mlflow_lab") and not dbfs.exists("/mlflow_lab/penguins.csv")
    dbfs.upload("/mlflow_lab/penguins.csv", io.BytesIO(b"a,b\n1,2\n"))
    assert dbfs.exists("dbfs:/mlflow_lab/penguins.csv")
    assert dbfs.exists("/dbfs/mlflow_lab/penguins.csv")
    assert read(dbfs, "/mlflow_lab/penguins.csv") == b"a,b\n1,2\n"
    assert (home.dbfs / "mlflow_lab" / "penguins.csv").read_bytes() == b"a,b\n1,2\n"


def test_upload_makes_parent_folders(dbfs: DbfsAPI) -> None:
    dbfs.upload("/model/classifier-1/MLmodel", io.BytesIO(b"flavors: {}"))
    assert dbfs.get_status("/model/classifier-1").is_dir


def test_upload_without_overwrite_keeps_the_old_file(dbfs: DbfsAPI) -> None:
    dbfs.upload("/mlflow_lab/x.csv", io.BytesIO(b"old"))
    with pytest.raises(ResourceConflict, match="overwrite=True") as info:
        dbfs.upload("/mlflow_lab/x.csv", io.BytesIO(b"new"))
    assert isinstance(info.value, ResourceAlreadyExists)
    assert read(dbfs, "/mlflow_lab/x.csv") == b"old"
    dbfs.upload("/mlflow_lab/x.csv", io.BytesIO(b"new"), overwrite=True)
    assert read(dbfs, "/mlflow_lab/x.csv") == b"new"


def test_get_status(dbfs: DbfsAPI) -> None:
    dbfs.upload("/mlflow_lab/x.csv", io.BytesIO(b"12345"))
    status = dbfs.get_status("/mlflow_lab/x.csv")
    assert (status.path, status.is_dir, status.file_size) == ("/mlflow_lab/x.csv", False, 5)
    assert status.modification_time > 0
    folder = dbfs.get_status("/mlflow_lab")
    assert folder.is_dir and folder.file_size == 0


def test_list(dbfs: DbfsAPI) -> None:
    dbfs.upload("/mlflow_lab/b.csv", io.BytesIO(b"b"))
    dbfs.upload("/mlflow_lab/a.csv", io.BytesIO(b"aa"))
    dbfs.upload("/mlflow_lab/sub/c.csv", io.BytesIO(b"ccc"))
    top = list(dbfs.list("/mlflow_lab"))
    assert [(f.path, f.is_dir) for f in top] == [
        ("/mlflow_lab/a.csv", False),
        ("/mlflow_lab/b.csv", False),
        ("/mlflow_lab/sub", True),
    ]
    deep = [f.path for f in dbfs.list("dbfs:/mlflow_lab", recursive=True)]
    assert "/mlflow_lab/sub/c.csv" in deep and len(deep) == 4
    only = list(dbfs.list("/mlflow_lab/a.csv"))
    assert [(f.path, f.file_size) for f in only] == [("/mlflow_lab/a.csv", 2)]


def test_delete(dbfs: DbfsAPI) -> None:
    dbfs.upload("/mlflow_lab/x.csv", io.BytesIO(b"x"))
    dbfs.delete("/mlflow_lab/x.csv")
    assert not dbfs.exists("/mlflow_lab/x.csv") and dbfs.exists("/mlflow_lab")


def test_delete_folder_needs_recursive(dbfs: DbfsAPI) -> None:
    dbfs.upload("/mlflow_lab/x.csv", io.BytesIO(b"x"))
    with pytest.raises(OSError, match="recursive"):
        dbfs.delete("/mlflow_lab")
    assert read(dbfs, "/mlflow_lab/x.csv") == b"x"  # nothing deleted
    dbfs.delete("/mlflow_lab", recursive=True)
    assert not dbfs.exists("/mlflow_lab")


@pytest.mark.parametrize("call", ["download", "get_status", "delete", "list"])
def test_missing_path_is_not_found(dbfs: DbfsAPI, call: str) -> None:
    with pytest.raises(ResourceNotFound, match=r"/nope/x\.csv") as info:
        result = getattr(dbfs, call)("/nope/x.csv")
        list(result)  # list is a generator
    assert isinstance(info.value, NotFound)


def test_download_of_a_folder_is_not_found(dbfs: DbfsAPI) -> None:
    dbfs.mkdirs("/mlflow_lab")
    with pytest.raises(ResourceNotFound):
        dbfs.download("/mlflow_lab")


def test_paths_cannot_leave_the_lab(dbfs: DbfsAPI) -> None:
    with pytest.raises(GraderError):
        dbfs.upload("/mlflow_lab/../../escape.txt", io.BytesIO(b"x"))
    with pytest.raises(GraderError):
        dbfs.exists("/../mlflow.db")
