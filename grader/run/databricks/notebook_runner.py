"""One notebook's round trip through the workspace, for papermill's ``databricks`` engine.

The notebook is imported into the learner's folder, run once with ``jobs.submit`` as a
notebook task on the learner's cluster (with the ``grader`` wheel as a task library),
waited for with progress and a timeout, and exported back with its outputs. A step that
runs in the local kernel but needs a run with a model (06) gets one here first, from its
setup cell run on the cluster, if the learner has none (:func:`prepare_on_cluster`). Kept
apart from :mod:`grader.run.databricks.engine`, which papermill imports whenever it loads its
engines: this module's imports (the SDK, the lab) cost most of a second.
"""

from __future__ import annotations

import base64
import copy
from datetime import timedelta

import nbformat
from databricks.sdk.service import compute, jobs, workspace
from nbformat.v4 import new_code_cell, new_notebook
from papermill.log import logger

from grader.config import Settings
from grader.exceptions import WorkspaceStateError
from grader.lab import reference
from grader.lab.databricks.backend import DatabricksBackend
from grader.lab.databricks.waiting import wait_for
from grader.run.databricks.export import apply_model, notebook_model
from grader.run.databricks.package import build_wheel

CATALOG_ENV = "MLFLOW_LAB_CATALOG"


def _for_cluster(nb, catalog: str = "") -> str:
    """The notebook as the cluster runs it: told to use the databricks backend (and the
    catalog chosen here, as the cluster does not see this machine's environment)."""
    copied = copy.deepcopy(nb)
    cells = [c for c in copied.cells if "injected-parameters" in c.metadata.get("tags", [])]
    cells = cells or [c for c in copied.cells if "parameters" in c.metadata.get("tags", [])]
    if not cells:
        raise WorkspaceStateError("The notebook has no parameters cell to set backend in.")
    cells[-1].source += '\nbackend = "databricks"\nhome = None\n'
    if catalog:
        cells[-1].source += f"import os\nos.environ[{CATALOG_ENV!r}] = {catalog!r}\n"
    for cell in copied.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return nbformat.writes(copied)


def _run_state(run: jobs.Run) -> str:
    state = run.state or jobs.RunState()
    life = state.life_cycle_state.value if state.life_cycle_state else "UNKNOWN"
    result = f" {state.result_state.value}" if state.result_state else ""
    return life + result


def _run_failure(run: jobs.Run) -> str | None:
    state = run.state or jobs.RunState()
    if state.life_cycle_state == jobs.RunLifeCycleState.INTERNAL_ERROR:
        return state.state_message or "the run could not start"
    return None


class NotebookRunner:
    """One notebook's round trip through the workspace; each step a method."""

    def __init__(self, backend: DatabricksBackend, step: str, *, timeout: timedelta) -> None:
        self.backend = backend
        self.w = backend.workspace_client()
        self.names = backend.names
        self.step = step
        self.timeout = timeout

    def cluster_id(self) -> str:
        """The learner's running cluster, created with the lab's spec if there is none."""
        return reference.ensure_cluster(self.w).cluster_id

    def upload_package(self) -> str:
        """The grader wheel in the learner's folder; its workspace path."""
        name, data = build_wheel()
        path = f"{self.names.notebooks_folder}/{name}"
        self.w.workspace.mkdirs(self.names.notebooks_folder)
        self.w.workspace.import_(
            path,
            content=base64.b64encode(data).decode(),
            format=workspace.ImportFormat.AUTO,
            overwrite=True,
        )
        return f"/Workspace{path}"

    def import_notebook(self, nb) -> str:
        path = f"{self.names.notebooks_folder}/{self.step}"
        self.w.workspace.mkdirs(self.names.notebooks_folder)
        self.w.workspace.import_(
            path,
            content=base64.b64encode(
                _for_cluster(nb, self.backend.settings.catalog).encode()
            ).decode(),
            format=workspace.ImportFormat.JUPYTER,
            overwrite=True,
        )
        return path

    def submit(self, notebook_path: str, cluster_id: str, wheel: str) -> int:
        waiter = self.w.jobs.submit(
            run_name=f"mlflow_lab {self.step} ({self.names.user_name})",
            timeout_seconds=int(self.timeout.total_seconds()),
            tasks=[
                jobs.SubmitTask(
                    task_key=self.step,
                    existing_cluster_id=cluster_id,
                    notebook_task=jobs.NotebookTask(
                        notebook_path=notebook_path, source=jobs.Source.WORKSPACE
                    ),
                    libraries=[compute.Library(whl=wheel)],
                    timeout_seconds=int(self.timeout.total_seconds()),
                )
            ],
        )
        return waiter.run_id

    def wait(self, run_id: int) -> jobs.Run:
        return wait_for(
            f"Run {run_id} of {self.step}",
            lambda: self.w.jobs.get_run(run_id),
            state=_run_state,
            done=lambda r: (
                r.state is not None
                and r.state.life_cycle_state
                in (jobs.RunLifeCycleState.TERMINATED, jobs.RunLifeCycleState.SKIPPED)
            ),
            failure=_run_failure,
            timeout=self.timeout,
            progress=logger.info,
        )

    def export_into(self, nb, run: jobs.Run) -> None:
        """Put the run's outputs into ``nb``; a run that failed outside any cell raises."""
        task_run_id = run.tasks[0].run_id
        exported = self.w.jobs.export_run(task_run_id, views_to_export=jobs.ViewsToExport.CODE)
        views = [v for v in exported.views or [] if v.type == jobs.ViewType.NOTEBOOK]
        if not views:
            raise WorkspaceStateError(f"Run {run.run_id} of {self.step} exported no notebook.")
        apply_model(nb, notebook_model(views[0].content))
        result = run.state.result_state if run.state else None
        failed_cell = any(o.output_type == "error" for c in nb.cells for o in c.get("outputs", []))
        if result != jobs.RunResultState.SUCCESS and not failed_cell:
            output = self.w.jobs.get_run_output(task_run_id)
            why = output.error or (run.state.state_message if run.state else "")
            raise WorkspaceStateError(
                f"Run {run.run_id} of {self.step} ended {_run_state(run)}: {why}"
                + (f"\nRun page: {run.run_page_url}" if run.run_page_url else "")
            )

    def execute(self, nb) -> None:
        cluster_id = self.cluster_id()
        wheel = self.upload_package()
        path = self.import_notebook(nb)
        run_id = self.submit(path, cluster_id, wheel)
        logger.info(f"{self.step}: submitted as run {run_id} on cluster {cluster_id}")
        self.export_into(nb, self.wait(run_id))


def has_model_run(backend: DatabricksBackend) -> bool:
    """Whether the learner's experiment has a finished run with a logged model; asked with a
    client of its own, so this process's MLflow settings stay as they are."""
    import mlflow

    client = mlflow.MlflowClient(tracking_uri="databricks")
    experiment = client.get_experiment_by_name(backend.experiment_name)
    if experiment is None:
        return False
    return reference.latest_model_run(experiment.experiment_id, client) is not None


def setup_notebook(step: str):
    """A notebook of ``step``'s setup cell alone: run on the cluster, it restores what the
    step needs there, Spark included (a run with the lab's model)."""
    parameters = new_code_cell("backend = None\nhome = None", metadata={"tags": ["parameters"]})
    setup = new_code_cell(
        f"from grader.lab import Lab\n\nLab.setup({step!r}, backend=backend, home=home)"
    )
    return new_notebook(cells=[parameters, setup])


def prepare_on_cluster(step: str, *, timeout: timedelta) -> None:
    """Before a step that runs in the local kernel: if it needs a run with a model and the
    learner has none (06 run alone), train it on the cluster with the step's setup cell;
    the cluster is busy for that only, not for the rest of the step."""
    backend = DatabricksBackend(Settings.from_env())
    if "prior_model_run" not in backend.needs(step) or has_model_run(backend):
        return
    logger.info(f"{step}: no run with a model yet; training the lab's model on your cluster")
    nb = setup_notebook(step)
    NotebookRunner(backend, step, timeout=timeout).execute(nb)
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.output_type == "error":
                raise WorkspaceStateError(
                    f"{step}'s setup on your cluster failed with {out.ename}: {out.evalue}"
                )
