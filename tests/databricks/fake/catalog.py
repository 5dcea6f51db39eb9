"""Unity Catalog on the fake: the metastore, catalogs, schemas, volumes and the Files API.

``enabled`` switches the whole metastore off, as in a workspace without Unity Catalog: the
metastore assignment answers 404 ``METASTORE_DOES_NOT_EXIST`` and every catalog call fails.
Volume files and model version files live on disk under ``<root>/uc`` (``Volumes/…`` and
``Models/…``), where the fake cluster's Spark reads them as Databricks mounts ``/Volumes``.
The Files API takes single-shot uploads on the workspace host and hands out presigned URLs
on the fake itself (``/signed/<token>``), as cloud storage behind Databricks does.
"""

from __future__ import annotations

import shutil
import time
import uuid
from pathlib import Path, PurePosixPath
from typing import Any

from databricks.sdk.service.catalog import SchemasAPI, VolumesAPI, VolumeType

from tests.databricks.fake.contract import fields_of, parse_fields
from tests.databricks.fake.errors import FakeError, invalid, one_of, require

VOLUME_TYPES = tuple(v.value for v in VolumeType)
METASTORE_ID = "11111111-2222-3333-4444-555555555555"


class Raw:
    """A response that is bytes, not JSON (file downloads, HEAD answers)."""

    def __init__(self, data: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.data = data
        self.headers = headers or {}


class FakeCatalog:
    def __init__(self, fake, *, enabled: bool = True) -> None:
        self.fake = fake
        self.enabled = enabled
        self.default_catalog = "main"
        self.storage = fake.root / "uc"
        self.catalogs: dict[str, dict[str, Any]] = {
            "main": {"name": "main", "owner": "admins", "catalog_type": "MANAGED_CATALOG"}
        }
        #: privileges the learner lacks on a catalog (U2), e.g. {"main": {"CREATE SCHEMA"}}
        self.revoked: dict[str, set[str]] = {}
        self.schemas: dict[str, dict[str, Any]] = {}
        self.volumes: dict[str, dict[str, Any]] = {}

    def register(self) -> None:
        r = self.fake.route
        uc = "/api/2.1/unity-catalog"
        r("GET", f"{uc}/current-metastore-assignment", self.metastore)
        r("GET", f"{uc}/catalogs/{{name}}", self.catalog_get)
        r("POST", f"{uc}/schemas", self.schema_create)
        r("GET", f"{uc}/schemas/{{full_name}}", self.schema_get)
        r("DELETE", f"{uc}/schemas/{{full_name}}", self.schema_delete)
        r("POST", f"{uc}/volumes", self.volume_create)
        r("GET", f"{uc}/volumes/{{name}}", self.volume_get)
        r("DELETE", f"{uc}/volumes/{{name}}", self.volume_delete)
        files, dirs = "/api/2.0/fs/files(?P<path>/.+)", "/api/2.0/fs/directories(?P<path>/.*)"
        r("PUT", files, self.file_put)
        r("GET", files, self.file_get)
        r("HEAD", files, self.file_head)
        r("DELETE", files, self.file_delete)
        r("PUT", dirs, self.dir_create)
        r("GET", dirs, self.dir_list)
        r("HEAD", dirs, self.dir_head)
        r("DELETE", dirs, self.dir_delete)
        r("POST", "/api/2.0/fs/create-upload-url", self.upload_url)
        r("POST", "/api/2.0/fs/create-download-url", self.download_url)

    # -- metastore, catalogs, schemas, volumes ----------------------------------------------
    def _on(self) -> None:
        if not self.enabled:
            raise FakeError(
                404, "METASTORE_DOES_NOT_EXIST", "No metastore assigned for the current workspace."
            )

    def metastore(self, **_):
        self._on()
        return {"metastore_id": METASTORE_ID, "workspace_id": 1234567890,
                "default_catalog_name": self.default_catalog}  # fmt: skip

    def catalog_get(self, name, **_):
        self._on()
        if name not in self.catalogs:
            raise FakeError(404, "CATALOG_DOES_NOT_EXIST", f"Catalog '{name}' does not exist.")
        return self.catalogs[name]

    def _allowed(self, catalog: str, privilege: str) -> None:
        """A catalog closed to the learner: PERMISSION_DENIED naming the privilege (U2)."""
        if privilege in self.revoked.get(catalog, set()):
            raise FakeError(403, "PERMISSION_DENIED",
                            f"User does not have {privilege} on Catalog '{catalog}'.")  # fmt: skip

    def schema_create(self, body, **_):
        self._on()
        parse_fields(body, fields_of(SchemasAPI.create))
        require(body, "name", "catalog_name")
        self.catalog_get(body["catalog_name"])
        self._allowed(body["catalog_name"], "USE CATALOG")
        self._allowed(body["catalog_name"], "CREATE SCHEMA")
        full = f"{body['catalog_name']}.{body['name']}"
        if full in self.schemas:
            raise FakeError(409, "SCHEMA_ALREADY_EXISTS", f"Schema '{full}' already exists.")
        self.schemas[full] = {**body, "full_name": full, "owner": self.fake.user_name,
                              "created_at": self.fake.now_ms(),
                              "schema_id": str(uuid.uuid4())}  # fmt: skip
        return self.schemas[full]

    def schema_get(self, full_name, **_):
        self._on()
        self.catalog_get(full_name.split(".")[0])
        self._allowed(full_name.split(".")[0], "USE CATALOG")
        if full_name not in self.schemas:
            raise FakeError(404, "SCHEMA_DOES_NOT_EXIST", f"Schema '{full_name}' does not exist.")
        return self.schemas[full_name]

    def schema_delete(self, full_name, query, **_):
        self.schema_get(full_name)
        inside = [v for v in self.volumes if v.startswith(full_name + ".")]
        inside += [m for m in self.fake.uc_registry.models if m.startswith(full_name + ".")]
        if inside and query.get("force") != "true":
            raise FakeError(400, "SCHEMA_NOT_EMPTY", f"Schema '{full_name}' is not empty: {inside}")
        for name in inside:
            self.volumes.pop(name, None)
        del self.schemas[full_name]

    def volume_create(self, body, **_):
        self._on()
        parse_fields(body, fields_of(VolumesAPI.create))
        require(body, "catalog_name", "schema_name", "name", "volume_type")
        one_of(body, "volume_type", VOLUME_TYPES)
        if body["volume_type"] == "EXTERNAL":
            require(body, "storage_location")
        schema = f"{body['catalog_name']}.{body['schema_name']}"
        self.schema_get(schema)
        full = f"{schema}.{body['name']}"
        if full in self.volumes:
            raise FakeError(409, "VOLUME_ALREADY_EXISTS", f"Volume '{full}' already exists.")
        self.volumes[full] = {**body, "full_name": full, "owner": self.fake.user_name,
                              "volume_id": str(uuid.uuid4()), "created_at": self.fake.now_ms(),
                              "storage_location": f"abfss://uc@fake/{full.replace('.', '/')}"}  # fmt: skip
        self._local("/Volumes/" + full.replace(".", "/")).mkdir(parents=True, exist_ok=True)
        return self.volumes[full]

    def volume_get(self, name, **_):
        self._on()
        if name not in self.volumes:
            raise FakeError(404, "VOLUME_DOES_NOT_EXIST", f"Volume '{name}' does not exist.")
        return self.volumes[name]

    def volume_delete(self, name, **_):
        self.volume_get(name)
        del self.volumes[name]
        shutil.rmtree(self._local("/Volumes/" + name.replace(".", "/")), ignore_errors=True)

    # -- Files API -----------------------------------------------------------------------------
    def _local(self, path: str) -> Path:
        pure = PurePosixPath(path)
        if not pure.is_absolute() or ".." in pure.parts:
            raise invalid(f"Invalid path: {path!r}")
        return self.storage.joinpath(*pure.parts[1:])

    def _in_volume(self, path: str) -> Path:
        """A Files API path must be inside an existing volume (``/Volumes/c/s/v/…``)."""
        self._on()
        parts = PurePosixPath(path).parts
        if len(parts) < 5 or parts[1] != "Volumes":
            raise invalid(
                f"Path {path!r} is not inside a volume: /Volumes/<catalog>/<schema>/<volume>/…"
            )
        self.volume_get(".".join(parts[2:5]))
        return self._local(path)

    def file_put(self, path, query, body, **_):
        local = self._in_volume(path)
        if local.exists() and query.get("overwrite", "true") != "true":
            raise FakeError(409, "ALREADY_EXISTS", f"The file {path} already exists.")
        if not local.parent.is_dir():
            local.parent.mkdir(parents=True)  # the Files API makes missing parents
        local.write_bytes(body if isinstance(body, bytes) else str(body).encode())

    def volume_file(self, path: str) -> Path:
        """A file in a volume, on disk (for a task library in a volume)."""
        return self._file(path)

    def _file(self, path: str) -> Path:
        local = self._in_volume(path)
        if not local.is_file():
            raise FakeError(404, "NOT_FOUND", f"The file {path} does not exist.")
        return local

    def _file_headers(self, local: Path) -> dict[str, str]:
        return {"content-length": str(local.stat().st_size),
                "content-type": "application/octet-stream",
                "last-modified": time.strftime("%a, %d %b %Y %H:%M:%S GMT",
                                               time.gmtime(local.stat().st_mtime))}  # fmt: skip

    def file_get(self, path, **_):
        local = self._file(path)
        return Raw(local.read_bytes(), self._file_headers(local))

    def file_head(self, path, **_):
        return Raw(b"", self._file_headers(self._file(path)))

    def file_delete(self, path, **_):
        self._file(path).unlink()

    def dir_create(self, path, **_):
        local = self._in_volume(path)
        if local.is_file():
            raise FakeError(409, "ALREADY_EXISTS", f"A file exists at {path}.")
        local.mkdir(parents=True, exist_ok=True)

    def _dir(self, path: str) -> Path:
        """A directory of a volume, or of a model version's storage (``/Models/…``)."""
        local = self._local(path) if path.startswith("/Models/") else self._in_volume(path)
        if not local.is_dir():
            raise FakeError(404, "NOT_FOUND", f"The directory {path} does not exist.")
        return local

    def dir_list(self, path, **_):
        local = self._dir(path)
        contents = []
        for child in sorted(local.iterdir()):
            entry = {"path": "/" + child.relative_to(self.storage).as_posix(),
                     "name": child.name, "is_directory": child.is_dir()}  # fmt: skip
            if child.is_file():
                entry |= {"file_size": child.stat().st_size,
                          "last_modified": int(child.stat().st_mtime * 1000)}  # fmt: skip
            contents.append(entry)
        return {"contents": contents}

    def dir_head(self, path, **_):
        self._dir(path)
        return Raw()

    def dir_delete(self, path, **_):
        local = self._dir(path)
        if any(local.iterdir()):
            raise FakeError(400, "DIRECTORY_NOT_EMPTY", f"The directory {path} is not empty.")
        local.rmdir()

    # -- presigned URLs (the SDK's and MLflow's transfers to cloud storage) ----------------
    def _signed(self, body, query, method: str) -> dict[str, Any]:
        """MLflow sends the path in the JSON body, the SDK in the query string."""
        given = {"path": (body if isinstance(body, dict) else {}).get("path") or query.get("path")}
        require(given, "path")
        path = given["path"]
        if path.startswith("/Models/"):
            local = self.fake.uc_registry.storage_path(path, writing=method == "PUT")
        else:
            local = self._in_volume(path)
        if method == "GET" and not local.is_file():
            raise FakeError(404, "NOT_FOUND", f"The file {path} does not exist.")
        return {"url": self.fake.sign(local, method),
                "headers": [{"name": "x-ms-blob-type", "value": "BlockBlob"}]}  # fmt: skip

    def upload_url(self, body, query, **_):
        return self._signed(body, query, "PUT")

    def download_url(self, body, query, **_):
        return self._signed(body, query, "GET")
