"""Small JSON records that outlive a kernel: clusters and endpoints by id or name.

A notebook's kernel dies when the notebook ends, but the cluster and the endpoint it made
must be found by the next notebook (another kernel). Each record is one JSON file, written
atomically (temporary file + rename), so a reader never sees half a record.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

_SAFE = re.compile(r"[^A-Za-z0-9_.-]")


class RecordStore:
    """JSON records in one folder, keyed by a name (cluster id, endpoint name)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _file(self, key: str) -> Path:
        return self.folder / (_SAFE.sub("_", key) + ".json")

    def put(self, key: str, record: dict[str, Any]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".tmp-", suffix=".part")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(record, out, indent=2, sort_keys=True)
            os.replace(tmp, self._file(key))
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> dict[str, Any] | None:
        try:
            return json.loads(self._file(key).read_text(encoding="utf-8"))
        except (OSError, ValueError):  # missing, or damaged by hand: as if absent
            return None

    def delete(self, key: str) -> None:
        self._file(key).unlink(missing_ok=True)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        if not self.folder.is_dir():
            return
        for file in sorted(self.folder.glob("[!.]*.json")):
            try:
                yield json.loads(file.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue  # a record being replaced or damaged by hand: skip, don't crash
