"""Remove what the course made in a workspace: ``python -m grader.lab.databricks.cleanup``.

Without options it does what step 07 does (delete the learner's endpoint, terminate the
learner's cluster); ``--everything`` also removes the MLflow experiment, the learner's
versions of the registered model (the model itself once no version is left), the data in
DBFS and the imported notebooks. Only the learner's own resources are touched, found by
their per-learner names; whatever is already gone is skipped.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from databricks.sdk.errors import NotFound
from databricks.sdk.service.compute import State

from grader.config import Settings
from grader.exceptions import GraderError
from grader.lab.databricks.backend import DatabricksBackend
from grader.lab.databricks.naming import LAB_MODEL


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
    versions = client.search_model_versions(f"name='{LAB_MODEL}'")
    for version in versions:
        if version.run_id in runs:
            client.delete_model_version(LAB_MODEL, version.version)
            say(f"removed {LAB_MODEL!r} version {version.version}")
    if versions and all(v.run_id in runs for v in versions):
        client.delete_registered_model(LAB_MODEL)
        say(f"removed registered model {LAB_MODEL!r}")
    if experiment is not None:
        client.delete_experiment(experiment.experiment_id)
        say(f"removed experiment {names.experiment}")
    _gone(f"dbfs:{names.dbfs_root}", lambda: w.api_client.dbfs.delete(
        names.dbfs_root, recursive=True), say)  # fmt: skip
    _gone(names.notebooks_folder, lambda: w.workspace.delete(
        names.notebooks_folder, recursive=True), say)  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--everything", action="store_true", help="also experiment, model, data")
    args = parser.parse_args(argv)
    try:
        backend = DatabricksBackend(Settings.from_env())
        stop_running(backend)
        if args.everything:
            remove_everything(backend)
    except GraderError as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
