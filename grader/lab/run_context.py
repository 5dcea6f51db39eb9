"""Which step of the course made an MLflow run: a tag on every run a notebook starts.

Steps 04 and 05 both log runs to the learner's one experiment. A check of step 04 must
judge step 04's latest run, not the run step 05's function made afterwards. MLflow asks
every run context provider (its plugin point ``mlflow.run_context_provider``, declared in
``pyproject.toml``) for tags when a run starts; this one adds the step whose ``Lab.setup``
ran in this process (:func:`grader.lab.steps.step_runs` reads it back). Nothing imports
this module but MLflow, on its own import: importing it first would import MLflow, which
loads its plugins, this one among them, half-initialised.
"""

from __future__ import annotations

from mlflow.tracking.context.abstract_context import RunContextProvider

from grader.lab import steps
from grader.lab.steps import STEP_TAG


class StepRunContext(RunContextProvider):
    """Tags a run with the step of the notebook that started it."""

    def in_context(self) -> bool:
        return steps.current() is not None

    def tags(self) -> dict[str, str]:
        return {STEP_TAG: steps.current() or ""}
