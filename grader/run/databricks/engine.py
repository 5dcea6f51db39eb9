"""papermill's ``databricks`` engine: the Spark notebooks run on the learner's cluster.

``papermill --engine databricks 03_data_prep.ipynb out.ipynb -p backend databricks``: the
parameterized notebook is imported into the learner's workspace folder, run once with
``jobs.submit`` as a notebook task on the learner's cluster (with the ``grader`` wheel as
a task library), waited for with progress and a timeout, and exported back with its
outputs into papermill's output notebook. A failed cell becomes papermill's usual
``PapermillExecutionError`` naming that cell. Steps that need no Spark (01, 02, 07) run in
a local kernel, as papermill's default engine would run them.

Registered as the ``papermill.engine`` entry point ``databricks`` in ``pyproject.toml``, so
papermill imports this module whenever it loads its engines, in every papermill run: it
imports little, and :mod:`grader.run.databricks.notebook_runner` does the work.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from papermill.engines import Engine, NBClientEngine

from grader.lab.steps import USES_SPARK, step_of

RUN_TIMEOUT = timedelta(minutes=60)


class DatabricksEngine(Engine):
    """papermill engine: Spark steps on the learner's cluster, the others in a local kernel."""

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name: str, **kwargs: Any) -> None:
        timeout = kwargs.pop("run_timeout", None)
        step = step_of(nb_man.nb, kwargs.get("input_path"))
        if step not in USES_SPARK:  # no Spark: no cluster needed
            NBClientEngine.execute_managed_notebook(nb_man, kernel_name, **kwargs)
            return
        from grader.config import Settings
        from grader.lab.databricks.backend import DatabricksBackend
        from grader.run.databricks.notebook_runner import NotebookRunner

        runner = NotebookRunner(
            DatabricksBackend(Settings.from_env()),
            step,
            timeout=timedelta(seconds=float(timeout)) if timeout else RUN_TIMEOUT,
        )
        runner.execute(nb_man.nb)
