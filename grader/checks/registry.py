"""Check names → the functions that make them, imported only when a check runs."""

from __future__ import annotations

import importlib
import sys
from typing import Any

from grader.checks import evidence
from grader.checks.learner import Learner
from grader.checks.report import Report

#: name → "module:function". One module per step of the course.
CHECKS = {
    "provision.workspace": "grader.checks.provision:workspace",
    "provision.data": "grader.checks.provision:data",
    "cluster.spec": "grader.checks.cluster:spec",
    "cluster.running": "grader.checks.cluster:running",
    "data_prep.data": "grader.checks.data_prep:data",
    "data_prep.split": "grader.checks.data_prep:split",
    "mlflow_run.params": "grader.checks.mlflow_run:params",
    "mlflow_run.model": "grader.checks.mlflow_run:model",
    "function.signature": "grader.checks.function:signature",
    "function.run": "grader.checks.function:lab_run",
    "function.hidden_call": "grader.checks.function:hidden_call",
    "register": "grader.checks.register_deploy:register",
    "endpoint": "grader.checks.register_deploy:endpoint",
    "endpoint.others": "grader.checks.register_deploy:other_penguins",
    "cleanup.endpoint": "grader.checks.cleanup:endpoint",
    "cleanup.cluster": "grader.checks.cleanup:cluster",
}


def load(name: str):
    try:
        target = CHECKS[name]
    except KeyError:
        raise KeyError(f"No check named {name!r}; known: {', '.join(CHECKS)}") from None
    module, function = target.split(":")
    return getattr(importlib.import_module(module), function)


def run_check(lab, name: str, *, namespace: dict[str, Any] | None = None, show: bool = True):
    """Run check ``name`` on the learner's variables, show the table, raise on failure.

    ``namespace`` defaults to the globals of the caller two frames up: the notebook's own
    variables when called as ``lab.check(...)`` from a cell.
    """
    if namespace is None:
        namespace = sys._getframe(2).f_globals
    learner = Learner(namespace)
    report: Report = load(name)(lab, learner)
    evidence.leave(lab, name, learner)  # what the grader re-verifies outside the kernel
    if show:
        _show(report)
    report.raise_for_failures()
    return report


def _show(report: Report) -> None:
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # plain Python
        print(report)
        return
    if get_ipython() is None:
        print(report)
    else:
        display(report)
