"""Where the lab runs. A backend is a small protocol; one class per backend.

``local`` (the embedded default) is built here; ``databricks`` lives in
:mod:`grader.lab.databricks` and is imported only when chosen. The name comes from
``MLFLOW_LAB_BACKEND`` (or a papermill parameter) and is looked up in :data:`BACKENDS` on
first use, so an unknown name fails with the list of known ones instead of an
``AttributeError`` later.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from grader.config import Settings
from grader.exceptions import ConfigError
from grader.lab.home import LabHome
from grader.lab.reference import MODEL_NAME
from grader.lab.steps import NEEDS
from grader.lab.workspace import LocalWorkspaceClient

#: MLflow 3's UI opens an experiment on its GenAI overview unless the experiment's kind says
#: model training: the tag and value its UI reads (mlflow/server/js, ``ExperimentKind``).
EXPERIMENT_KIND_TAG = "mlflow.experimentKind"
MODEL_TRAINING_KIND = "custom_model_development"


class Backend(Protocol):
    name: str

    def workspace_client(self) -> Any:
        """A client with the ``databricks.sdk.WorkspaceClient`` attributes the lab uses."""

    def path(self, lab_path: str) -> str:
        """A lab file system path as Spark and MLflow on this backend see it."""

    def configure_mlflow(self, experiment_name: str) -> str:
        """Point MLflow at this backend's tracking and registry; return the experiment id."""

    @property
    def experiment_name(self) -> str:
        """The learner's MLflow experiment (``/Users/<user>/mlflow_lab``)."""

    @property
    def model_name(self) -> str:
        """The learner's registered model (step 06 registers and serves it)."""

    def needs(self, step: str) -> tuple[str, ...]:
        """What the setup of ``step`` restores on this backend (see ``steps.NEEDS``)."""


class LocalBackend:
    """Spark in the kernel, MLflow on SQLite, endpoints as local processes."""

    name = "local"
    #: One learner per store: the lab's own name.
    model_name = MODEL_NAME

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.home = LabHome(settings.home_path).ensure()
        self._workspace: LocalWorkspaceClient | None = None

    def workspace_client(self) -> LocalWorkspaceClient:
        if self._workspace is None:
            self._workspace = LocalWorkspaceClient(self.home, self.settings)
        return self._workspace

    def path(self, lab_path: str) -> str:
        return str(self.home.dbfs_path(lab_path))

    @property
    def experiment_name(self) -> str:
        return f"/Users/{self.settings.user_name}/mlflow_lab"

    def needs(self, step: str) -> tuple[str, ...]:
        return NEEDS[step]

    def configure_mlflow(self, experiment_name: str) -> str:
        """Tracking and registry on the home's SQLite store; artifacts inside the home.

        Also exported as environment variables so processes started from the notebook
        (``mlflow models serve``) use the same store.

        Two kernels may open a fresh home at once (two notebooks open in JupyterLab, the
        course warming the next notebook's kernel): a lock makes one of them create the
        store's tables and the experiment, and the other find them.
        """
        import os

        import mlflow
        from filelock import FileLock
        from mlflow.environment_variables import MLFLOW_DFS_TMP

        os.environ["MLFLOW_TRACKING_URI"] = self.home.tracking_uri
        os.environ["MLFLOW_REGISTRY_URI"] = self.home.tracking_uri
        # MLflow's folder for a Spark model on its way to being logged: its default,
        # /tmp/mlflow, is one folder for every user of the machine, owned by whoever made it
        # first, and everyone else's step 04 then fails ("Mkdirs failed to create
        # /tmp/mlflow/..."). Each lab home has its own instead.
        os.environ[MLFLOW_DFS_TMP.name] = str(self.home.spark / "mlflow-dfs-tmp")
        mlflow.set_tracking_uri(self.home.tracking_uri)
        mlflow.set_registry_uri(self.home.tracking_uri)
        with FileLock(self.home.store_lock):
            client = mlflow.MlflowClient()
            experiment = client.get_experiment_by_name(experiment_name)
            if experiment is None:
                experiment_id = client.create_experiment(
                    experiment_name,
                    artifact_location=self.home.artifacts.as_uri(),
                    tags={EXPERIMENT_KIND_TAG: MODEL_TRAINING_KIND},
                )
            else:
                experiment_id = experiment.experiment_id
                if EXPERIMENT_KIND_TAG not in experiment.tags:  # made before the course set it
                    client.set_experiment_tag(
                        experiment_id, EXPERIMENT_KIND_TAG, MODEL_TRAINING_KIND
                    )
        mlflow.set_experiment(experiment_id=experiment_id)
        return experiment_id


def _databricks(settings: Settings) -> Backend:
    """Imported on first use: the SDK's clients and the workspace stay unloaded locally."""
    from grader.lab.databricks.backend import DatabricksBackend

    return DatabricksBackend(settings)


BACKENDS: dict[str, type | Callable[[Settings], Backend]] = {
    "local": LocalBackend,
    "databricks": _databricks,
}


def get_backend(settings: Settings) -> Backend:
    try:
        backend_type = BACKENDS[settings.backend]
    except KeyError:
        known = ", ".join(sorted(BACKENDS))
        raise ConfigError(
            f"MLFLOW_LAB_BACKEND={settings.backend!r} is not a backend of this course; "
            f"use one of: {known}."
        ) from None
    return backend_type(settings)
