"""The learner's lab home: one folder that holds everything the local backend keeps.

Layout (all under ``MLFLOW_LAB_HOME``)::

    mlflow.db        MLflow tracking and registry store (SQLite)
    mlflow.db.lock   held while a kernel creates the store's tables (see configure_mlflow)
    artifacts/       MLflow artifacts (logged models, images)
    dbfs/            the lab's file system root: /mlflow_lab/penguins.csv, /model/...
    clusters/        one JSON record per "cluster" (its spec and state)
    endpoints/       one JSON record per serving endpoint (pid, port, model)
    logs/            Spark and endpoint logs
    spark/           Spark local dirs and warehouse

Deleting the folder resets the lab; two learners (or two graded submissions) with
different homes share nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from grader.exceptions import GraderError


@dataclass(frozen=True)
class LabHome:
    root: Path

    @property
    def mlflow_db(self) -> Path:
        return self.root / "mlflow.db"

    @property
    def store_lock(self) -> Path:
        return self.root / "mlflow.db.lock"

    @property
    def tracking_uri(self) -> str:
        return f"sqlite:///{self.mlflow_db}"

    @property
    def artifacts(self) -> Path:
        return self.root / "artifacts"

    @property
    def dbfs(self) -> Path:
        return self.root / "dbfs"

    @property
    def clusters(self) -> Path:
        return self.root / "clusters"

    @property
    def endpoints(self) -> Path:
        return self.root / "endpoints"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def spark(self) -> Path:
        return self.root / "spark"

    def ensure(self) -> LabHome:
        """Create the folders (idempotent) and return self."""
        for folder in (
            self.artifacts,
            self.dbfs,
            self.clusters,
            self.endpoints,
            self.logs,
            self.spark,
        ):
            folder.mkdir(parents=True, exist_ok=True)
        return self

    def dbfs_path(self, path: str) -> Path:
        """Map a lab path (``/mlflow_lab/x``, ``dbfs:/mlflow_lab/x`` or ``/dbfs/mlflow_lab/x``)
        to the file under this home's ``dbfs/`` folder, refusing paths that climb out."""
        text = str(path)
        if text.startswith("dbfs:"):
            text = text[len("dbfs:") :]
        pure = PurePosixPath("/" + text.lstrip("/"))
        if pure.parts[1:2] == ("dbfs",):
            pure = PurePosixPath("/", *pure.parts[2:])
        if ".." in pure.parts:
            raise GraderError(f"{path!r}: '..' is not allowed in a lab path; use an absolute path.")
        return self.dbfs.joinpath(*pure.parts[1:])
