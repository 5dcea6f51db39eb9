"""``w.dbfs`` on the local backend: the lab's file system is a folder in the lab home.

The lab copies ``penguins.csv`` into ``/dbfs/mlflow_lab`` and saves models under
``/model``; here those paths live under ``<lab home>/dbfs``. Methods and errors follow the
SDK's ``DbfsExt`` (``upload``, ``download``, ``mkdirs``, ``exists``, ``delete``, ``list``).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import BinaryIO

from databricks.sdk.service.files import FileInfo

from grader.exceptions import ResourceConflict, ResourceNotFound
from grader.lab.home import LabHome


class DbfsAPI:
    """The subset of ``WorkspaceClient().dbfs`` the lab uses."""

    def __init__(self, home: LabHome) -> None:
        self._home = home

    def _local(self, path: str):
        return self._home.dbfs_path(path)

    def mkdirs(self, path: str) -> None:
        self._local(path).mkdir(parents=True, exist_ok=True)

    def exists(self, path: str) -> bool:
        return self._local(path).exists()

    def upload(self, path: str, src: BinaryIO, *, overwrite: bool = False) -> None:
        target = self._local(path)
        if target.exists() and not overwrite:
            raise ResourceConflict(f"{path} already exists; pass overwrite=True to replace it.")
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "wb") as out:
            shutil.copyfileobj(src, out)

    def download(self, path: str) -> BinaryIO:
        target = self._local(path)
        if not target.is_file():
            raise ResourceNotFound(f"No file at {path} in the lab's file system.")
        return open(target, "rb")

    def get_status(self, path: str) -> FileInfo:
        target = self._local(path)
        if not target.exists():
            raise ResourceNotFound(f"No file or folder at {path} in the lab's file system.")
        stat = target.stat()
        return FileInfo(
            path=path,
            is_dir=target.is_dir(),
            file_size=0 if target.is_dir() else stat.st_size,
            modification_time=int(stat.st_mtime * 1000),
        )

    def list(self, path: str, *, recursive: bool = False) -> Iterator[FileInfo]:
        target = self._local(path)
        if not target.exists():
            raise ResourceNotFound(f"No file or folder at {path} in the lab's file system.")
        if target.is_file():
            yield self.get_status(path)
            return
        children = sorted(target.rglob("*") if recursive else target.iterdir())
        for child in children:
            lab_path = "/" + child.relative_to(self._home.dbfs).as_posix()
            yield self.get_status(lab_path)

    def delete(self, path: str, *, recursive: bool = False) -> None:
        target = self._local(path)
        if not target.exists():
            raise ResourceNotFound(f"No file or folder at {path} in the lab's file system.")
        if target.is_dir():
            if not recursive:
                raise OSError("deleting directories requires recursive flag")
            shutil.rmtree(target)
        else:
            target.unlink()
