"""papermill's ``databricks`` engine: the Spark notebooks run on the learner's cluster.

``papermill --engine databricks 03_data_prep.ipynb out.ipynb -p backend databricks``: the
parameterized notebook is imported into the learner's workspace folder, run once with
``jobs.submit`` as a notebook task on the learner's cluster (with the ``grader`` wheel as
a task library), waited for with progress and a timeout, and exported back with its
outputs into papermill's output notebook. A failed cell becomes papermill's usual
``PapermillExecutionError`` naming that cell. The other steps (01, 02, 06, 07:
:data:`grader.lab.steps.DATABRICKS_CLUSTER_STEPS`) run in a local kernel, as papermill's
default engine would run them; before 06, if the learner has no run with a model yet, its
setup runs on the cluster first to train one (the local kernel has no Spark to).

Registered as the ``papermill.engine`` entry point ``databricks`` in ``pyproject.toml``, so
papermill imports this module whenever it loads its engines, in every papermill run: it
imports little, and :mod:`grader.run.databricks.notebook_runner` does the work.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from papermill.engines import Engine, NBClientEngine

from grader.lab.steps import DATABRICKS_CLUSTER_STEPS, NEEDS, step_of

RUN_TIMEOUT = timedelta(minutes=60)


class DatabricksEngine(Engine):
    """papermill engine: Spark steps on the learner's cluster, the others in a local kernel."""

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name: str, **kwargs: Any) -> None:
        timeout = kwargs.pop("run_timeout", None)
        run_timeout = timedelta(seconds=float(timeout)) if timeout else RUN_TIMEOUT
        step = step_of(nb_man.nb, kwargs.get("input_path"))
        if step not in DATABRICKS_CLUSTER_STEPS:  # no Spark of its own: no cluster job
            if step is not None and "model_run" in NEEDS[step]:  # 06 (07 restores nothing)
                from grader.run.databricks.notebook_runner import prepare_on_cluster

                prepare_on_cluster(step, timeout=run_timeout)
            NBClientEngine.execute_managed_notebook(nb_man, kernel_name, **kwargs)
            return
        from grader.config import Settings
        from grader.lab.databricks.backend import DatabricksBackend
        from grader.run.databricks.notebook_runner import NotebookRunner

        runner = NotebookRunner(DatabricksBackend(Settings.from_env()), step, timeout=run_timeout)
        runner.execute(nb_man.nb)
