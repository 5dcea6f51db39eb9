"""The lab's file system in the learner's Unity Catalog volume, with ``w.dbfs``'s methods.

The notebooks say ``w.dbfs.upload("/mlflow_lab/penguins.csv", ...)``, as the lab does. In a
workspace with Unity Catalog, DBFS is the legacy place for data: there the lab's paths live
in the learner's volume instead, ``/Volumes/<catalog>/<schema>/data/mlflow_lab/...``, and
this class does what ``w.dbfs`` would do through the Files API (``w.files``). The volume is
created on the first write. Paths it returns are the lab's (``/mlflow_lab/...``).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import BinaryIO

from databricks.sdk.errors import NotFound
from databricks.sdk.service.files import FileInfo

from grader.lab.databricks.catalog import LabCatalog, ensure_volume


class LearnerVolumeFiles:
    """``w.dbfs`` where ``/mlflow_lab/...`` means the learner's Unity Catalog volume."""

    def __init__(self, w, lab: LabCatalog) -> None:
        self._w = w
        self._files = w.files
        self._lab = lab
        self._volume_ready = False

    def volume_path(self, lab_path: str) -> str:
        return self._lab.volume_path(lab_path)

    def _lab_path(self, volume_path: str) -> str:
        return volume_path.removeprefix(self._lab.volume_root) or "/"

    def _writable(self) -> None:
        if not self._volume_ready:
            ensure_volume(self._w, self._lab)
            self._volume_ready = True

    @staticmethod
    def _found(lookup, path: str) -> bool:
        try:
            lookup(path)
            return True
        except NotFound:
            return False

    def _is_file(self, path: str) -> bool:
        return self._found(self._files.get_metadata, path)

    def _is_dir(self, path: str) -> bool:
        return self._found(self._files.get_directory_metadata, path)

    def exists(self, path: str) -> bool:
        real = self.volume_path(path)
        return self._is_file(real) or self._is_dir(real)

    def mkdirs(self, path: str) -> None:
        self._writable()
        self._files.create_directory(self.volume_path(path))

    def upload(self, path: str, src: BinaryIO, *, overwrite: bool = False) -> None:
        self._writable()
        self._files.upload(self.volume_path(path), src, overwrite=overwrite)

    def download(self, path: str) -> BinaryIO:
        """The file's bytes (a stream that also works in ``with``, like ``w.dbfs.download``)."""
        response = self._files.download(self.volume_path(path))
        return io.BytesIO(response.contents.read())

    def get_status(self, path: str) -> FileInfo:
        real = self.volume_path(path)
        if self._is_dir(real):
            return FileInfo(path=self._lab_path(real), is_dir=True, file_size=0)
        meta = self._files.get_metadata(real)
        return FileInfo(path=self._lab_path(real), is_dir=False, file_size=meta.content_length)

    def list(self, path: str, *, recursive: bool = False) -> Iterator[FileInfo]:
        real = self.volume_path(path)
        if not self._is_dir(real):
            yield self.get_status(path)
            return
        for entry in self._files.list_directory_contents(real):
            info = FileInfo(
                path=self._lab_path(entry.path), is_dir=bool(entry.is_directory),
                file_size=entry.file_size or 0, modification_time=entry.last_modified,
            )  # fmt: skip
            if recursive and info.is_dir:
                yield from self.list(info.path, recursive=True)
            else:
                yield info

    def delete(self, path: str, *, recursive: bool = False) -> None:
        """Delete a file, or a folder (with ``recursive=True`` also what it holds)."""
        real = self.volume_path(path)
        if self._is_file(real):
            self._files.delete(real)
            return
        if not self._is_dir(real):
            return  # like DBFS: deleting what is not there is fine
        if recursive:
            for entry in list(self._files.list_directory_contents(real)):
                self.delete(self._lab_path(entry.path), recursive=True)
        self._files.delete_directory(real)
