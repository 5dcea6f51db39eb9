"""Unity Catalog for the lab: whether the workspace has it, and the learner's schema and volume.

With a metastore assigned to the workspace (``w.metastores.current()``), the lab registers
the model in Unity Catalog as ``<catalog>.<schema>.penguin_predictor`` and keeps its data in
the volume ``<catalog>.<schema>.data``; the catalog is ``MLFLOW_LAB_CATALOG`` if set, else
the metastore's default catalog (``hive_metastore`` or none stops with a message naming
``MLFLOW_LAB_CATALOG``). The schema is the learner's own
(:attr:`LearnerNames.schema`). Without a metastore the lab falls back to the workspace
model registry and DBFS, and says so in one line.

What the lab creates carries :data:`CREATED_BY` in its comment, so the clean-up removes a
schema or volume only if the lab made it, never one the learner or an admin made.
"""

from __future__ import annotations

from dataclasses import dataclass

from databricks.sdk.errors import DatabricksError, NotFound, PermissionDenied, ResourceConflict
from databricks.sdk.service.catalog import VolumeType

from grader.exceptions import WorkspaceStateError
from grader.lab.databricks.naming import LearnerNames, under_root

#: The volume that holds the lab's files (``/Volumes/<catalog>/<schema>/data/mlflow_lab/…``).
LAB_VOLUME = "data"
#: The comment on every schema and volume the lab creates (the clean-up looks for it).
CREATED_BY = "Created by the MLflow lab; its clean-up (07, --everything) removes it."
#: The metastore errors that mean "this workspace has no Unity Catalog".
NO_METASTORE = ("METASTORE_DOES_NOT_EXIST", "FEATURE_DISABLED")
#: The workspace's legacy Hive metastore, shown as a catalog; it holds no UC models.
NOT_UNITY_CATALOG = "hive_metastore"


@dataclass(frozen=True)
class LabCatalog:
    """Where the learner's Unity Catalog objects live; ``catalog`` None means no UC."""

    names: LearnerNames
    catalog: str | None
    reason: str = ""

    @property
    def available(self) -> bool:
        return self.catalog is not None

    @property
    def schema(self) -> str:
        """``<catalog>.<schema>``."""
        return f"{self.catalog}.{self.names.schema}"

    @property
    def model(self) -> str:
        return self.names.uc_model(str(self.catalog))

    @property
    def volume(self) -> str:
        """``<catalog>.<schema>.data``."""
        return f"{self.schema}.{LAB_VOLUME}"

    @property
    def volume_root(self) -> str:
        """The volume as a path: ``/Volumes/<catalog>/<schema>/data``."""
        return "/Volumes/" + self.volume.replace(".", "/")

    def volume_path(self, lab_path: str) -> str:
        """``/mlflow_lab/penguins.csv`` → ``/Volumes/<catalog>/<schema>/data/mlflow_lab/…``
        (also accepts ``dbfs:/...`` and a path already in the volume; refuses ``..``)."""
        return under_root(self.volume_root, lab_path)


def find_catalog(w, names: LearnerNames, setting: str = "") -> LabCatalog:
    """The learner's catalog if the workspace has Unity Catalog, else why not."""
    try:
        assignment = w.metastores.current()
    except DatabricksError as exc:
        if isinstance(exc, NotFound) or exc.error_code in NO_METASTORE:
            return LabCatalog(names, None, f"{exc.error_code or 'NOT_FOUND'}: {exc}")
        raise
    catalog = setting or assignment.default_catalog_name or ""
    if catalog in ("", NOT_UNITY_CATALOG):
        why = (
            f"MLFLOW_LAB_CATALOG is {catalog!r}"
            if setting
            else f"the metastore's default catalog is {catalog or 'not set'!r}"
        )
        raise WorkspaceStateError(
            f"The lab needs a Unity Catalog catalog for your schema, model and data, but {why}; "
            f"{NOT_UNITY_CATALOG} cannot hold Unity Catalog models. Set MLFLOW_LAB_CATALOG to a "
            "Unity Catalog catalog where you have USE CATALOG and CREATE SCHEMA (often 'main')."
        )
    return LabCatalog(names, catalog)


def ensure_schema(w, lab: LabCatalog) -> None:
    """The learner's schema, created if missing. A catalog that is missing or closed to the
    learner stops with what to set, not an SDK stack trace."""
    try:
        try:
            w.schemas.get(lab.schema)
            return
        except NotFound:
            pass
        w.schemas.create(lab.names.schema, lab.catalog, comment=CREATED_BY)
        print(f"Created your schema {lab.schema} in Unity Catalog.")
    except ResourceConflict:
        pass  # made by a step running at the same time
    except (NotFound, PermissionDenied) as exc:
        raise WorkspaceStateError(
            f"Cannot use or create the schema {lab.schema} in Unity Catalog: {exc}.\n"
            "Set MLFLOW_LAB_CATALOG to a catalog where you may create schemas (ask your "
            "workspace admin for USE CATALOG and CREATE SCHEMA on it)."
        ) from None


def ensure_volume(w, lab: LabCatalog) -> None:
    """The learner's managed volume for the lab's files, created if missing."""
    try:
        w.volumes.read(lab.volume)
        return
    except NotFound:
        pass
    ensure_schema(w, lab)
    try:
        w.volumes.create(
            lab.catalog, lab.names.schema, LAB_VOLUME, VolumeType.MANAGED, comment=CREATED_BY
        )
        print(f"Created your volume {lab.volume} for the lab's files.")
    except ResourceConflict:
        pass
