"""DBFS (on disk, where the fake cluster's Spark reads it) and workspace objects."""

from __future__ import annotations

import base64
import json
import posixpath
import shutil
from pathlib import Path, PurePosixPath
from typing import Any

from databricks.sdk.service.files import DbfsAPI
from databricks.sdk.service.workspace import ImportFormat, Language, WorkspaceAPI

from tests.databricks.fake.contract import fields_of, parse_fields
from tests.databricks.fake.errors import FakeError, invalid, not_found, one_of, require

IMPORT_FORMATS = tuple(f.value for f in ImportFormat)
LANGUAGES = tuple(lang.value for lang in Language)
_MAX_BLOCK = 1024 * 1024  # the API's limit on one add-block / read (D1, D3)
#: workspace import's limit on ``content`` (W2): "This has a limit of 10 MB."
MAX_IMPORT = 10 * 1024 * 1024


class FakeFiles:
    def __init__(self, fake) -> None:
        self.fake = fake
        self.dbfs = fake.root / "dbfs"
        self.dbfs.mkdir(parents=True, exist_ok=True)
        self._handles: dict[int, dict[str, Any]] = {}
        #: workspace path → {"object_type", "language", "content" (bytes)}
        self.objects: dict[str, dict[str, Any]] = {
            "/Users": {"object_type": "DIRECTORY"},
            f"/Users/{fake.user_name}": {"object_type": "DIRECTORY"},
        }

    def register(self) -> None:
        r = self.fake.route
        r("GET", "/api/2.0/dbfs/get-status", self.get_status)
        r("GET", "/api/2.0/dbfs/list", self.list)
        r("POST", "/api/2.0/dbfs/mkdirs", self.mkdirs)
        r("POST", "/api/2.0/dbfs/delete", self.delete)
        r("POST", "/api/2.0/dbfs/put", self.put)
        r("POST", "/api/2.0/dbfs/create", self.create)
        r("POST", "/api/2.0/dbfs/add-block", self.add_block)
        r("POST", "/api/2.0/dbfs/close", self.close)
        r("GET", "/api/2.0/dbfs/read", self.read)
        r("POST", "/api/2.0/workspace/mkdirs", self.ws_mkdirs)
        r("POST", "/api/2.0/workspace/import", self.ws_import)
        r("GET", "/api/2.0/workspace/export", self.ws_export)
        r("GET", "/api/2.0/workspace/get-status", self.ws_get_status)
        r("GET", "/api/2.0/workspace/list", self.ws_list)
        r("POST", "/api/2.0/workspace/delete", self.ws_delete)

    # -- DBFS --------------------------------------------------------------------------------
    def local(self, path: str | None) -> Path:
        if not path or (not path.startswith("/") and not path.startswith("dbfs:/")):
            raise invalid(f"Path must be absolute: {path!r}")
        pure = PurePosixPath(path.removeprefix("dbfs:"))
        if ".." in pure.parts:
            raise invalid(f"Invalid path: {path!r}")
        return self.dbfs.joinpath(*pure.parts[1:])

    def _info(self, local: Path) -> dict[str, Any]:
        stat = local.stat()
        return {"path": "/" + local.relative_to(self.dbfs).as_posix(), "is_dir": local.is_dir(),
                "file_size": 0 if local.is_dir() else stat.st_size,
                "modification_time": int(stat.st_mtime * 1000)}  # fmt: skip

    def get_status(self, query, **_):
        require(query, "path")
        local = self.local(query["path"])
        if not local.exists():
            raise not_found(f"No file or directory exists on path {query['path']}.")
        return self._info(local)

    def list(self, query, **_):
        require(query, "path")
        local = self.local(query["path"])
        if not local.exists():
            raise not_found(f"No file or directory exists on path {query['path']}.")
        children = sorted(local.iterdir()) if local.is_dir() else [local]
        return {"files": [self._info(c) for c in children]}

    def mkdirs(self, body, **_):
        parse_fields(body, fields_of(DbfsAPI.mkdirs))
        require(body, "path")
        local = self.local(body["path"])
        if local.is_file():
            raise FakeError(400, "RESOURCE_ALREADY_EXISTS", f"A file exists at {body['path']}")
        local.mkdir(parents=True, exist_ok=True)

    def delete(self, body, **_):
        parse_fields(body, fields_of(DbfsAPI.delete))
        require(body, "path")
        local = self.local(body["path"])
        if not local.exists():
            return  # the API's delete is idempotent
        if local.is_dir():
            if any(local.iterdir()) and not body.get("recursive"):
                raise FakeError(400, "IO_ERROR", "Directory not empty; use recursive=true")
            shutil.rmtree(local)
        else:
            local.unlink()

    def _write(self, path: str, data: bytes, overwrite: bool) -> None:
        local = self.local(path)
        if local.exists() and not overwrite:
            raise FakeError(
                400, "RESOURCE_ALREADY_EXISTS", f"A file or directory already exists at {path}"
            )
        local.parent.mkdir(parents=True, exist_ok=True)
        local.write_bytes(data)

    def put(self, body, **_):
        parse_fields(body, fields_of(DbfsAPI.put))
        require(body, "path")
        self._write(
            body["path"], base64.b64decode(body.get("contents", "")), body.get("overwrite", False)
        )

    def create(self, body, **_):
        parse_fields(body, fields_of(DbfsAPI.create))
        require(body, "path")
        local = self.local(body["path"])
        if local.exists() and not body.get("overwrite"):
            raise FakeError(
                400, "RESOURCE_ALREADY_EXISTS", f"A file already exists at {body['path']}"
            )
        handle = len(self._handles) + 1
        self._handles[handle] = {"path": body["path"], "data": b"", "overwrite": True}
        return {"handle": handle}

    def add_block(self, body, **_):
        parse_fields(body, fields_of(DbfsAPI.add_block))
        require(body, "handle", "data")
        data = base64.b64decode(body["data"])
        if len(data) > _MAX_BLOCK:
            raise FakeError(400, "MAX_BLOCK_SIZE_EXCEEDED", "A block may hold at most 1 MB")
        self._handle(body)["data"] += data

    def close(self, body, **_):
        parse_fields(body, fields_of(DbfsAPI.close))
        handle = self._handle(body)
        self._write(handle["path"], handle["data"], True)
        del self._handles[body["handle"]]

    def _handle(self, body) -> dict[str, Any]:
        if body.get("handle") not in self._handles:
            raise not_found(f"No open stream with handle {body.get('handle')}")
        return self._handles[body["handle"]]

    def read(self, query, **_):
        require(query, "path")
        local = self.local(query["path"])
        if not local.is_file():
            raise not_found(f"No file exists on path {query['path']}.")
        offset, length = int(query.get("offset", 0)), int(query.get("length", _MAX_BLOCK))
        if length > _MAX_BLOCK:
            raise FakeError(400, "MAX_READ_SIZE_EXCEEDED", "Read at most 1 MB at a time")
        data = local.read_bytes()[offset : offset + length]
        return {"bytes_read": len(data), "data": base64.b64encode(data).decode()}

    # -- workspace objects -------------------------------------------------------------------
    def _parent_exists(self, path: str) -> bool:
        parent = str(PurePosixPath(path).parent)
        return self.objects.get(parent, {}).get("object_type") == "DIRECTORY"

    def ws_mkdirs(self, body, **_):
        parse_fields(body, fields_of(WorkspaceAPI.mkdirs))
        require(body, "path")
        parts = PurePosixPath(body["path"]).parts
        for i in range(2, len(parts) + 1):
            path = "/" + "/".join(parts[1:i])
            kind = self.objects.get(path, {}).get("object_type")
            if kind not in (None, "DIRECTORY"):
                raise FakeError(400, "RESOURCE_ALREADY_EXISTS", f"{path} exists and is a {kind}")
            self.objects.setdefault(path, {"object_type": "DIRECTORY"})

    def ws_import(self, body, **_):
        """Rows W1-W5: formats, the 10 MB limit, overwrite, a language for SOURCE, the parent."""
        parse_fields(body, fields_of(WorkspaceAPI.import_))
        require(body, "path", "content")
        one_of(body, "format", IMPORT_FORMATS)
        one_of(body, "language", LANGUAGES)
        path, fmt = body["path"], body.get("format", "SOURCE")
        if len(body["content"]) > MAX_IMPORT:
            raise FakeError(400, "MAX_NOTEBOOK_SIZE_EXCEEDED",
                            f"File size imported is ({len(body['content'])} bytes), exceeded "
                            f"max size ({MAX_IMPORT} bytes)")  # fmt: skip
        if not self._parent_exists(path):
            raise not_found(f"The parent folder ({posixpath.dirname(path)}) does not exist.")
        if path in self.objects and not body.get("overwrite"):
            raise FakeError(400, "RESOURCE_ALREADY_EXISTS", f"{path} already exists.")
        content = base64.b64decode(body["content"])
        if fmt == "JUPYTER":
            try:
                notebook = json.loads(content)
                assert notebook["nbformat"] == 4 and isinstance(notebook["cells"], list)
            except (ValueError, KeyError, AssertionError):
                raise invalid(f"{path}: the content is not a Jupyter notebook") from None
            self.objects[path] = {"object_type": "NOTEBOOK", "language": "PYTHON",
                                  "content": content}  # fmt: skip
        elif fmt == "SOURCE":
            if not body.get("language"):
                raise invalid(f"{path}: importing a single file as SOURCE needs its language")
            self.objects[path] = {"object_type": "NOTEBOOK", "language": body["language"],
                                  "content": content}  # fmt: skip
        elif fmt == "AUTO" and not path.endswith((".py", ".ipynb")):
            self.objects[path] = {"object_type": "FILE", "content": content}
        else:
            raise invalid(f"The fake does not import format {fmt} for {path}")

    def ws_get_status(self, query, **_):
        require(query, "path")
        found = self.objects.get(query["path"])
        if found is None:
            raise not_found(f"Path ({query['path']}) doesn't exist.")
        return {"path": query["path"], "object_type": found["object_type"],
                **({"language": found["language"]} if "language" in found else {})}  # fmt: skip

    def ws_export(self, query, **_):
        found = self.objects.get(query.get("path", ""))
        if found is None or "content" not in found:
            raise not_found(f"Path ({query.get('path')}) doesn't exist.")
        return {"content": base64.b64encode(found["content"]).decode()}

    def ws_list(self, query, **_):
        require(query, "path")
        prefix = query["path"].rstrip("/") + "/"
        if query["path"] not in self.objects:
            raise not_found(f"Path ({query['path']}) doesn't exist.")
        children = [p for p in self.objects if p.startswith(prefix) and "/" not in p[len(prefix) :]]
        return {"objects": [self.ws_get_status({"path": p}) for p in sorted(children)]}

    def ws_delete(self, body, **_):
        parse_fields(body, fields_of(WorkspaceAPI.delete))
        require(body, "path")
        path = body["path"]
        if path not in self.objects:
            raise not_found(f"Path ({path}) doesn't exist.")
        inside = [p for p in self.objects if p.startswith(path.rstrip("/") + "/")]
        if inside and not body.get("recursive"):
            raise FakeError(400, "DIRECTORY_NOT_EMPTY", f"Folder {path} is not empty")
        for p in [path, *inside]:
            self.objects.pop(p, None)

    def workspace_content(self, path: str) -> bytes:
        """What is stored at a workspace path (``/Workspace/…`` accepted), for the cluster."""
        found = self.objects.get(path.removeprefix("/Workspace"))
        if found is None or "content" not in found:
            raise not_found(f"Path ({path}) doesn't exist.")
        return found["content"]
