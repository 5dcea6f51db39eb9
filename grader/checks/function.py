"""Step 05: ``train_penguin_model`` has the lab's signature and makes a correct run."""

from __future__ import annotations

import inspect

from grader.checks.i18n import t
from grader.checks.learner import MISSING, Learner
from grader.checks.report import Report
from grader.checks.runs import check_run, runs_with_params

SIGNATURE = ["training_data", "test_data", "maxIterations", "regularization"]
#: The hidden call's values: not the lab's, so only a function that really uses its
#: arguments makes this run.
HIDDEN_MAX_ITER, HIDDEN_REG_PARAM = 3, 0.05


def _function(learner: Learner, report: Report):
    return learner.get(
        "train_penguin_model",
        report,
        expected=t("a function"),
        hint="def train_penguin_model(training_data, test_data, maxIterations, regularization):",
    )


def signature(lab, learner: Learner) -> Report:
    report = Report(t("Step 05 · the function"))
    fn = _function(learner, report)
    if fn is not MISSING:
        try:
            params = list(inspect.signature(fn).parameters)
        except (TypeError, ValueError):
            params = None
        report.add(
            "train_penguin_model(training_data, test_data, maxIterations, regularization)",
            params == SIGNATURE,
            expected=", ".join(SIGNATURE),
            found=", ".join(params)
            if params is not None
            else t("not a function: {value}", value=repr(fn)),
            hint=t("Keep the lab's parameter names and order."),
        )
    return report


def lab_run(lab, learner: Learner) -> Report:
    report = Report(t("Step 05 · a run with maxIterations=10, regularization=0.2"))
    check_run(
        lab,
        report,
        10,
        0.2,
        test=learner.optional("test"),
        step_hint=t("Call train_penguin_model(train, test, 10, 0.2)."),
    )
    return report


def grading_experiment(lab) -> str:
    """A separate experiment for the grader's own call, so that its run never becomes the
    learner's "latest run" (which step 06 registers)."""
    import mlflow

    name = lab.experiment_name + "-grading"
    found = mlflow.get_experiment_by_name(name)
    if found is not None:
        return found.experiment_id
    artifacts = mlflow.get_experiment(lab.experiment_id).artifact_location
    return mlflow.create_experiment(name, artifact_location=artifacts.rstrip("/") + "-grading")


def hidden_call(lab, learner: Learner) -> Report:
    """Call the learner's function with other values: a new, correct run must appear."""
    import mlflow

    report = Report(t("Step 05 · the function with other values"))
    fn = _function(learner, report)
    train = learner.get(
        "train", report, expected=t("the train DataFrame"), hint=t("Run the setup cell.")
    )
    test = learner.get(
        "test", report, expected=t("the test DataFrame"), hint=t("Run the setup cell.")
    )
    if MISSING in (fn, train, test):
        return report
    experiment_id = grading_experiment(lab)
    before = {
        r.info.run_id
        for r in runs_with_params(
            lab, HIDDEN_MAX_ITER, HIDDEN_REG_PARAM, experiment_id=experiment_id
        )
    }
    mlflow.set_experiment(experiment_id=experiment_id)
    try:
        fn(train, test, HIDDEN_MAX_ITER, HIDDEN_REG_PARAM)
        error = None
    except Exception as exc:  # the learner's code: report, don't crash
        error = f"{type(exc).__name__}: {exc}"
    finally:
        mlflow.set_experiment(experiment_id=lab.experiment_id)
    report.add(
        t(
            "train_penguin_model(train, test, {max_iter}, {reg_param}) runs",
            max_iter=HIDDEN_MAX_ITER,
            reg_param=HIDDEN_REG_PARAM,
        ),
        error is None,
        expected=t("no error"),
        found=error or t("no error"),
        hint=t("Use the function's arguments, not fixed values."),
    )
    run = check_run(
        lab,
        report,
        HIDDEN_MAX_ITER,
        HIDDEN_REG_PARAM,
        test=test,
        step_hint=t("Log the arguments' values: maxIter=maxIterations, regParam=regularization."),
        experiment_id=experiment_id,
    )
    report.add(
        t("the call made a new run"),
        run is not None and run.info.run_id not in before,
        expected=t("one new run"),
        found=t("a new run") if run is not None and run.info.run_id not in before else t("none"),
        hint=t("Start a run inside the function: with mlflow.start_run():"),
    )
    return report
