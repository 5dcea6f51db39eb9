"""Step 04: the lab's run (maxIter 5, regParam 0.5), then its metrics and model."""

from __future__ import annotations

from grader.checks.i18n import t
from grader.checks.learner import Learner
from grader.checks.report import Report
from grader.checks.runs import check_outputs, find_run

#: Translated when a check runs, so the language is the one set at that moment.
HINT = "Inside `with mlflow.start_run():` log maxIter and regParam with log_param."


def params(lab, learner: Learner) -> Report:
    report = Report(t("Step 04 · an MLflow run with the lab's parameters"))
    find_run(lab, report, 5, 0.5, step_hint=t(HINT))
    return report


def model(lab, learner: Learner) -> Report:
    report = Report(t("Step 04 · the run's metrics and model"))
    run = find_run(lab, report, 5, 0.5, step_hint=t(HINT))
    if run is not None:
        check_outputs(report, run, test=learner.optional("test"))
    return report
