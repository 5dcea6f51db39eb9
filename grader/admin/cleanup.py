"""Remove what the course made in a workspace: ``grader cleanup`` (or ``python -m
grader.admin.cleanup``).

Without options it does what step 07 does (delete the learner's endpoint, terminate the
learner's cluster); ``--everything`` also removes the MLflow experiment, the learner's
versions of the registered model (the model itself once no version is left), the data
(in the learner's Unity Catalog volume, or in DBFS) and the imported notebooks. With Unity
Catalog, the volume and the schema go too if the lab created them (their comment says so)
and nothing else is left in them. Only the learner's own resources are touched, found by
their per-learner names; whatever is already gone is skipped.
"""

from __future__ import annotations

from collections.abc import Callable

from databricks.sdk.errors import DatabricksError, NotFound
from databricks.sdk.service.compute import State

from grader.config import Settings
from grader.lab.databricks.backend import DatabricksBackend
from grader.lab.databricks.catalog import CREATED_BY

#: The lab's folders in its file system: the data (step 01) and the saved models (04, 05).
LAB_FOLDERS = ("/mlflow_lab", "/model")


def _gone(what: str, action: Callable[[], object], say: Callable[[str], None]) -> None:
    try:
        action()
        say(f"removed {what}")
    except NotFound:
        say(f"{what}: already gone")


def stop_running(backend: DatabricksBackend, say=print) -> None:
    """Step 07: the endpoint deleted, the cluster terminated."""
    w, names = backend.workspace_client(), backend.names
    _gone(f"endpoint {names.endpoint}", lambda: w.api_client.serving_endpoints.delete(
        names.endpoint), say)  # fmt: skip
    for cluster in w.clusters.list():
        if cluster.cluster_name == names.cluster and cluster.state not in (
            State.TERMINATED,
            State.TERMINATING,
        ):
            w.clusters.delete(cluster.cluster_id)
            say(f"terminated cluster {names.cluster!r} ({cluster.cluster_id})")


def remove_everything(backend: DatabricksBackend, say=print) -> None:
    """Also the experiment, the learner's model versions, the data and the notebooks."""
    import mlflow

    w, names = backend.workspace_client(), backend.names
    backend.configure_mlflow(names.experiment)
    client = mlflow.MlflowClient()
    experiment = client.get_experiment_by_name(names.experiment)
    runs: set[str] = set()
    if experiment is not None:
        for run in client.search_runs([experiment.experiment_id], max_results=10000):
            runs.add(run.info.run_id)
    model = backend.model_name
    versions = client.search_model_versions(f"name='{model}'")
    for version in versions:
        if version.run_id in runs:
            client.delete_model_version(model, version.version)
            say(f"removed {model!r} version {version.version}")
    if versions and all(v.run_id in runs for v in versions):
        client.delete_registered_model(model)
        say(f"removed registered model {model!r}")
    if experiment is not None:
        client.delete_experiment(experiment.experiment_id)
        say(f"removed experiment {names.experiment}")
    if backend.catalog.available:
        remove_catalog_objects(backend, say)
    _gone(f"dbfs:{names.dbfs_root}", lambda: w.api_client.dbfs.delete(
        names.dbfs_root, recursive=True), say)  # fmt: skip
    _gone(names.notebooks_folder, lambda: w.workspace.delete(
        names.notebooks_folder, recursive=True), say)  # fmt: skip


def remove_catalog_objects(backend: DatabricksBackend, say=print) -> None:
    """The lab's files in the learner's volume; the volume and the schema if the lab made
    them and they hold nothing else (the model went before)."""
    w, lab = backend.workspace_client(), backend.catalog
    api = w.api_client
    for folder in LAB_FOLDERS:
        w.dbfs.delete(folder, recursive=True)
    say(f"removed the lab's files in {lab.volume_root}")
    try:
        volume = api.volumes.read(lab.volume)
        if volume.comment == CREATED_BY and not list(api.files.list_directory_contents(
                lab.volume_root)):  # fmt: skip
            api.volumes.delete(lab.volume)
            say(f"removed volume {lab.volume}")
        else:
            say(f"kept volume {lab.volume}: the lab did not create it, or it holds other files")
    except NotFound:
        pass
    try:
        schema = api.schemas.get(lab.schema)
    except NotFound:
        return
    if schema.comment != CREATED_BY:
        say(f"kept schema {lab.schema}: the lab did not create it")
        return
    try:
        api.schemas.delete(lab.schema)  # not forced: refuses if anything else is inside
        say(f"removed schema {lab.schema}")
    except DatabricksError as exc:
        say(f"kept schema {lab.schema}: {exc}")


def clean_up(*, everything: bool = False, say: Callable[[str], None] = print) -> None:
    """Step 07's clean-up for the learner of this machine's sign-in; with ``everything``,
    also their experiment, model versions, data and imported notebooks."""
    backend = DatabricksBackend(Settings.from_env())
    stop_running(backend, say=say)
    if everything:
        remove_everything(backend, say=say)


if __name__ == "__main__":  # the command line is grader's own: ``grader cleanup``
    from grader.cli import cleanup

    cleanup()
