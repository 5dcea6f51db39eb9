"""MLflow's Unity Catalog model registry on the fake (``/api/2.0/mlflow/unity-catalog/…``).

The MLflow client with registry URI ``databricks-uc`` creates the model and a version
(PENDING_REGISTRATION), asks for temporary credentials, which say DEFAULT_STORAGE, so it
uploads the version's files through presigned URLs of the Files API (``/Models/<catalog>/
<schema>/<model>/<version>/…``), and finalizes the version (READY). Names must be three-level
and lower case, the schema must exist, and a version's ``MLmodel`` must carry a signature
with inputs and outputs: the fake refuses to finalize one without, as Unity Catalog does.

Each version is also registered under the same name in the fake's real MLflow server, with
the uploaded files as its source, so a serving endpoint serves ``models:/<c.s.m>/<version>``
exactly as it serves a workspace-registry model.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from tests.databricks.fake.errors import FakeError, invalid, not_found, one_of, require

PREFIX = "/api/2.0/mlflow/unity-catalog"
OPERATIONS = ("MODEL_VERSION_OPERATION_READ", "MODEL_VERSION_OPERATION_READ_WRITE")
_PART = r"[a-z0-9_]+"
_THREE_LEVEL = re.compile(rf"{_PART}\.{_PART}\.{_PART}")


class FakeUcRegistry:
    def __init__(self, fake) -> None:
        self.fake = fake
        self.models: dict[str, dict[str, Any]] = {}
        self.versions: dict[tuple[str, str], dict[str, Any]] = {}

    def register(self) -> None:
        r = self.fake.route
        r("GET", f"{PREFIX}/registered-models:is-databricks-sdk-models-artifact-repository-enabled",
          lambda **_: {"is_databricks_sdk_models_artifact_repository_enabled": False})  # fmt: skip
        r("POST", f"{PREFIX}/registered-models/create", self.model_create)
        r("GET", f"{PREFIX}/registered-models/get", self.model_get)
        r("DELETE", f"{PREFIX}/registered-models/delete", self.model_delete)
        r("POST", f"{PREFIX}/model-versions/create", self.version_create)
        r("POST", f"{PREFIX}/model-versions/generate-temporary-credentials", self.credentials)
        r("POST", f"{PREFIX}/model-versions/finalize", self.version_finalize)
        r("GET", f"{PREFIX}/model-versions/get", self.version_get)
        r("GET", f"{PREFIX}/model-versions/search", self.version_search)
        r("GET", f"{PREFIX}/model-versions/get-download-uri", self.download_uri)
        r("DELETE", f"{PREFIX}/model-versions/delete", self.version_delete)

    @staticmethod
    def handles(path: str) -> bool:
        return path.startswith(PREFIX + "/")

    # -- registered models ---------------------------------------------------------------------
    def _checked_name(self, name: str | None) -> str:
        self.fake.catalog._on()
        if name and name.split(".")[0] == "hive_metastore":
            raise invalid(
                f"Model name {name!r}: the catalog hive_metastore is not in Unity Catalog and "
                "cannot hold registered models; use a Unity Catalog catalog."
            )
        if not name or not _THREE_LEVEL.fullmatch(name):
            raise invalid(
                f"Model name {name!r} is not valid: specify all three levels "
                "(<catalog>.<schema>.<model>), lower case letters, digits and _."
            )
        catalog, schema, _model = name.split(".")
        self.fake.catalog.schema_get(f"{catalog}.{schema}")
        return name

    def model_create(self, body, **_):
        name = self._checked_name(body.get("name"))
        if name in self.models:
            raise FakeError(
                400, "RESOURCE_ALREADY_EXISTS", f"Registered model '{name}' already exists."
            )
        now = self.fake.now_ms()
        self.models[name] = {"name": name, "creation_timestamp": now,
                             "last_updated_timestamp": now, "user_id": self.fake.user_name}  # fmt: skip
        self.fake.mlflow.oss_client().create_registered_model(name)
        return {"registered_model": self.models[name]}

    def _model(self, name: str | None) -> dict[str, Any]:
        if name not in self.models:
            raise not_found(f"Registered model '{name}' does not exist.")
        return self.models[name]

    def model_get(self, query, **_):
        require(query, "name")
        return {"registered_model": self._model(query["name"])}

    def model_delete(self, body, **_):
        require(body, "name")
        self._model(body["name"])
        for key in [k for k in self.versions if k[0] == body["name"]]:
            self.version_delete({"name": key[0], "version": key[1]})
        del self.models[body["name"]]
        self.fake.mlflow.oss_client().delete_registered_model(body["name"])

    # -- versions ------------------------------------------------------------------------------
    def version_create(self, body, **_):
        require(body, "name", "source")
        self._model(self._checked_name(body["name"]))
        name = body["name"]
        client = self.fake.mlflow.oss_client()
        taken = [int(v.version) for v in client.search_model_versions(f"name='{name}'")]
        version = str(max([0, *taken, *(int(v) for n, v in self.versions if n == name)]) + 1)
        folder = self._storage(name, version)
        folder.mkdir(parents=True, exist_ok=True)
        mirrored = client.create_model_version(
            name, source=folder.as_uri(), run_id=body.get("run_id")
        )
        if str(mirrored.version) != version:
            raise FakeError(
                500, "INTERNAL_ERROR", f"Mirrored version {mirrored.version} != {version}"
            )
        now = self.fake.now_ms()
        record = {"name": name, "version": version, "source": body["source"],
                  "run_id": body.get("run_id", ""), "status": "PENDING_REGISTRATION",
                  "creation_timestamp": now, "last_updated_timestamp": now,
                  "user_id": self.fake.user_name,
                  "storage_location": f"abfss://uc@fake/models/{name.replace('.', '/')}/{version}"}  # fmt: skip
        self.versions[(name, version)] = record
        return {"model_version": record}

    def _version(self, name: str | None, version: str | None) -> dict[str, Any]:
        found = self.versions.get((str(name), str(version)))
        if found is None:
            raise not_found(f"Model version {name} {version} does not exist.")
        return found

    def credentials(self, body, **_):
        require(body, "name", "version", "operation")
        one_of(body, "operation", OPERATIONS)
        record = self._version(body["name"], body["version"])
        if body["operation"].endswith("READ_WRITE") and record["status"] != "PENDING_REGISTRATION":
            raise FakeError(400, "INVALID_STATE", f"Version {body['version']} is finalized: "
                            "its files can no longer be written.")  # fmt: skip
        return {"credentials": {"storage_mode": "DEFAULT_STORAGE",
                                "expiration_time": self.fake.now_ms() + 3_600_000}}  # fmt: skip

    def version_finalize(self, body, **_):
        require(body, "name", "version")
        record = self._version(body["name"], body["version"])
        mlmodel = self._storage(record["name"], record["version"]) / "MLmodel"
        if not mlmodel.is_file():
            raise invalid(
                f"Model version {record['name']} {record['version']} has no MLmodel file."
            )
        signature = (yaml.safe_load(mlmodel.read_text()) or {}).get("signature") or {}
        if not signature.get("inputs") or not signature.get("outputs"):
            record["status"] = "FAILED_REGISTRATION"
            raise invalid("Models in Unity Catalog must have a signature with inputs and outputs.")
        record |= {"status": "READY", "last_updated_timestamp": self.fake.now_ms()}
        return {"model_version": record}

    def version_get(self, query, **_):
        require(query, "name", "version")
        return {"model_version": self._version(query["name"], query["version"])}

    def version_search(self, query, **_):
        found = re.fullmatch(r"\s*name\s*=\s*'([^']*)'\s*", query.get("filter", ""))
        if not found:
            raise invalid("The fake searches model versions by filter \"name='<c.s.m>'\" only.")
        name = found.group(1)
        return {"model_versions": [v for (n, _), v in self.versions.items() if n == name]}

    def download_uri(self, query, **_):
        require(query, "name", "version")
        return {"artifact_uri": self._version(query["name"], query["version"])["storage_location"]}

    def version_delete(self, body, **_):
        require(body, "name", "version")
        self._version(body["name"], body["version"])
        del self.versions[(body["name"], str(body["version"]))]
        self.fake.mlflow.oss_client().delete_model_version(body["name"], str(body["version"]))

    # -- the versions' files ---------------------------------------------------------------------
    def _storage(self, name: str, version: str) -> Path:
        return self.fake.catalog.storage.joinpath("Models", *name.split("."), version)

    def storage_path(self, path: str, *, writing: bool) -> Path:
        """A ``/Models/c/s/m/<version>/…`` path on disk; writing only while PENDING."""
        parts = PurePosixPath(path).parts
        if len(parts) < 7 or ".." in parts:
            raise invalid(f"Invalid model version path {path!r}")
        record = self._version(".".join(parts[2:5]), parts[5])
        if writing and record["status"] != "PENDING_REGISTRATION":
            raise FakeError(403, "PERMISSION_DENIED", f"{path}: the version is finalized.")
        return self.fake.catalog.storage.joinpath(*parts[1:])
