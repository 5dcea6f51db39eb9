"""What notebooks import: the :class:`Lab`, its backends and the dataset.

Importing this package starts nothing (no Spark, no MLflow store, no process).
"""

from grader.lab.lab import Lab
from grader.lab.steps import STEPS

__all__ = ["STEPS", "Lab"]
