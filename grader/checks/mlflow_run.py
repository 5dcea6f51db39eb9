"""Step 04: the lab's run (maxIter 5, regParam 0.5) with its metrics and model."""

from __future__ import annotations

from grader.checks.learner import MISSING, Learner
from grader.checks.report import Report
from grader.checks.runs import check_run


def mlflow_run(lab, learner: Learner) -> Report:
    report = Report("Step 04 · an MLflow run")
    test = learner.get("test", report, expected="the test DataFrame", hint="Run the setup cell.")
    check_run(
        lab,
        report,
        5,
        0.5,
        test=None if test is MISSING else test,
        step_hint="Inside `with mlflow.start_run():` log maxIter and regParam with log_param.",
    )
    return report
