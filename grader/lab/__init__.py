"""What notebooks import: the :class:`Lab`, its backends and the dataset.

Importing this package starts nothing (no Spark, no MLflow store, no process), and imports
little: ``Lab`` (with MLflow's and the SDK's modules, seconds of imports) loads on first
use, so tools that need only a submodule (papermill loading its engines, the course's
notebook runners) do not pay for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from grader.lab.steps import STEPS

if TYPE_CHECKING:
    from grader.lab.lab import Lab

__all__ = ["STEPS", "Lab"]


def __getattr__(name: str):
    if name == "Lab":
        from grader.lab.lab import Lab

        return Lab
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
