"""Step 04: the latest run has the lab's parameters (maxIter 5, regParam 0.5); its metrics
and model are right. Two facts of two cells: wrong parameters cost the parameter check
only, since the model check judges the latest run's model whatever its parameters."""

from __future__ import annotations

from grader.checks.i18n import t
from grader.checks.learner import Learner
from grader.checks.report import Report
from grader.checks.runs import check_outputs, check_params, latest_run

STEP = "04_mlflow_run"
#: Translated when a check runs, so the language is the one set at that moment.
HINT = "Inside `with mlflow.start_run():` log maxIter and regParam with log_param."
MODEL_HINT = "Run the training cell: a run inside `with mlflow.start_run():`."


def params(lab, learner: Learner) -> Report:
    report = Report(t("Step 04 · an MLflow run with the lab's parameters"))
    check_params(lab, report, STEP, 5, 0.5, hint=t(HINT))
    return report


def model(lab, learner: Learner) -> Report:
    report = Report(t("Step 04 · the run's metrics and model"))
    run = latest_run(lab, report, STEP, hint=t(MODEL_HINT))
    if run is not None:
        check_outputs(report, run, test=learner.optional("test"))
    return report
