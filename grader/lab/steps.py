"""The course and its seven steps, in order, and what each leaves behind for the next.

The course's names live here, with its steps, because the runtime needs them (a notebook's
edition is found from its ``mlflow_lab`` folder); the instructor's side imports them from
here, never the other way round.
"""

from __future__ import annotations

import re
from pathlib import Path

#: The assignment's name: nbgrader's assignment id and the notebooks' folder name.
ASSIGNMENT = "mlflow_lab"
#: nbgrader's course id.
COURSE_ID = "mlflow-on-databricks"
#: The names step 06 gives the model and its endpoint, as the lab writes them; on
#: Databricks they are scoped to the learner (:mod:`grader.lab.databricks.naming`).
MODEL_NAME = "Penguin Predictor"
ENDPOINT_NAME = "predict-penguin"

STEPS = (
    "01_provision",
    "02_cluster",
    "03_data_prep",
    "04_mlflow_run",
    "05_function",
    "06_register_deploy",
    "07_cleanup",
)

#: The course's front page: read first, no setup cell, nothing to grade (not a step).
START = "00_start"

#: What a step's setup cell restores before the learner starts (each implies the earlier).
NEEDS = {
    "01_provision": (),
    "02_cluster": ("data",),
    "03_data_prep": ("data", "cluster"),
    "04_mlflow_run": ("data", "cluster"),
    "05_function": ("data", "cluster"),
    "06_register_deploy": ("data", "cluster", "model_run"),
    "07_cleanup": ("data", "cluster", "model_run", "endpoint"),
}

#: The MLflow tag naming the step a run was made in (see :mod:`grader.lab.run_context`).
STEP_TAG = "mlflow_lab.step"

#: The step whose ``Lab.setup`` ran last in this process (None before any).
_current: str | None = None


def enter(step: str) -> None:
    """Make ``step`` this process's current step: the runs it starts are tagged with it."""
    global _current
    index(step)
    _current = step


def current() -> str | None:
    """The step this process's notebook is (``Lab.setup``'s), or None outside the course."""
    return _current


#: The steps whose notebooks use Spark in their own kernel on the local backend (07 only
#: terminates the cluster): the setup cell restores a run with a Spark model, and 06's
#: hidden check compares the endpoint with the model run in process. ``nox -s dbr`` runs
#: these on each Databricks Runtime's own libraries.
USES_SPARK = ("03_data_prep", "04_mlflow_run", "05_function", "06_register_deploy")

#: The steps that run on the learner's cluster on Databricks, as one-time notebook jobs
#: (papermill's ``databricks`` engine): MLflow's Spark flavor cannot log a model from a
#: kernel off the cluster. 06 is not among them: it registers and serves a model through
#: the workspace's APIs, and needs no Spark of its own; run on the cluster, it would keep
#: the cluster busy, and billed, for the minutes the endpoint takes to start. It runs in
#: the learner's kernel, like 01, 02 and 07.
DATABRICKS_CLUSTER_STEPS = ("03_data_prep", "04_mlflow_run", "05_function")


def index(step: str) -> int:
    try:
        return STEPS.index(step)
    except ValueError:
        raise ValueError(
            f"{step!r} is not a step of the course; steps: {', '.join(STEPS)}"
        ) from None


_SETUP_STEP = re.compile(r"Lab\.setup\(\s*[\"'](\d\d_\w+)[\"']")


def step_of(nb, input_path: str | None = None) -> str | None:
    """The course step a notebook is: from its ``Lab.setup("…")`` call, else its file name."""
    for cell in nb.cells:
        if cell.cell_type == "code" and (found := _SETUP_STEP.search(cell.source)):
            return found.group(1)
    stem = Path(str(input_path or "")).stem
    return stem if stem in STEPS else None


def step_runs(experiment_id: str, step: str) -> list:
    """The runs ``step`` made in an experiment, newest first, any status: what the learner
    tried, in order. A run without the tag (made outside the lab) counts for any step."""
    import mlflow

    runs = mlflow.search_runs(
        experiment_ids=[experiment_id],
        order_by=["attributes.start_time DESC"],
        output_format="list",
    )
    return [r for r in runs if r.data.tags.get(STEP_TAG) in (None, step)]
