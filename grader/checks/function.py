"""Step 05: ``train_penguin_model`` has the lab's signature and makes a correct run.

Each mistake costs one check: parameters in another order cost the signature check (the
hidden call passes its values by name when the names are the lab's), and a hint names the
order as the mistake wherever it explains what was found.
"""

from __future__ import annotations

import inspect

from grader.checks.i18n import t
from grader.checks.learner import MISSING, Learner
from grader.checks.report import Report
from grader.checks.runs import check_outputs, check_params, has_params, runs_of_step

STEP = "05_function"
SIGNATURE = ["training_data", "test_data", "maxIterations", "regularization"]
LAB_MAX_ITER, LAB_REG_PARAM = 10, 0.2
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


def parameters(fn) -> list[str] | None:
    """The names of ``fn``'s parameters in order, or None when it is not a function."""
    try:
        return list(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        return None


def in_another_order(fn) -> bool:
    """The lab's four parameter names, but not in the lab's order."""
    names = parameters(fn)
    return names is not None and sorted(names) == sorted(SIGNATURE) and names != SIGNATURE


def order_hint(fn) -> str:
    return t(
        "Your function takes its parameters in another order ({found}); the lab's order is "
        "{expected}, and a call by position gives each value to the wrong parameter.",
        found=", ".join(parameters(fn) or []),
        expected=", ".join(SIGNATURE),
    )


def _hint(fn, run, max_iter, reg_param, default: str) -> str:
    """The hint that fits what was found: the order, fixed values, or the step's own."""
    if fn is not None and in_another_order(fn):
        return order_hint(fn)
    if run is not None and has_params(run, reg_param, max_iter):
        return t(
            "maxIter and regParam are swapped: pass maxIterations third and regularization "
            "fourth, and log maxIter=maxIterations, regParam=regularization."
        )
    fixed = (max_iter, reg_param) != (LAB_MAX_ITER, LAB_REG_PARAM)
    if run is not None and fixed and has_params(run, LAB_MAX_ITER, LAB_REG_PARAM):
        return t("Use the function's arguments, not fixed values.")
    return default


def signature(lab, learner: Learner) -> Report:
    report = Report(t("Step 05 · the function"))
    fn = _function(learner, report)
    if fn is not MISSING:
        params = parameters(fn)
        report.add(
            "train_penguin_model(training_data, test_data, maxIterations, regularization)",
            params == SIGNATURE,
            expected=", ".join(SIGNATURE),
            found=", ".join(params)
            if params is not None
            else t("not a function: {value}", value=repr(fn)),
            hint=order_hint(fn)
            if in_another_order(fn)
            else t("Keep the lab's parameter names and order."),
        )
    return report


def lab_run(lab, learner: Learner) -> Report:
    """The latest run of step 05 has 10 and 0.2, and its metrics and model are right."""
    report = Report(t("Step 05 · a run with maxIterations=10, regularization=0.2"))
    fn = learner.optional("train_penguin_model")
    runs = runs_of_step(lab, STEP)
    hint = _hint(
        fn,
        runs[0] if runs else None,
        LAB_MAX_ITER,
        LAB_REG_PARAM,
        t("Call train_penguin_model(train, test, 10, 0.2)."),
    )
    run = check_params(lab, report, STEP, LAB_MAX_ITER, LAB_REG_PARAM, hint=hint, runs=runs)
    if run is not None:
        check_outputs(report, run, test=learner.optional("test"))
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


def call(fn, train, test, max_iter, reg_param):
    """Call the learner's function as the lab does; by name when its names are the lab's,
    so a function whose only mistake is its order (the signature check's) still runs right."""
    if in_another_order(fn):
        return fn(
            training_data=train, test_data=test, maxIterations=max_iter, regularization=reg_param
        )
    return fn(train, test, max_iter, reg_param)


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
    before = {r.info.run_id for r in runs_of_step(lab, STEP, experiment_id=experiment_id)}
    mlflow.set_experiment(experiment_id=experiment_id)
    try:
        call(fn, train, test, HIDDEN_MAX_ITER, HIDDEN_REG_PARAM)
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
        hint=t(
            "Your function fails for maxIterations={max_iter}, regularization={reg_param}: "
            "it must work for any values, as the lab's does.",
            max_iter=HIDDEN_MAX_ITER,
            reg_param=HIDDEN_REG_PARAM,
        ),
    )
    if error is not None:
        return report
    new = [
        r
        for r in runs_of_step(lab, STEP, experiment_id=experiment_id)
        if r.info.run_id not in before
    ]
    report.add(
        t("the call made a new run"),
        bool(new),
        expected=t("one new run"),
        found=t("a new run") if new else t("none"),
        hint=t("Start a run inside the function: with mlflow.start_run():"),
    )
    if not new:
        return report
    hint = _hint(  # not the order: this call passed its values by name
        None,
        new[0],
        HIDDEN_MAX_ITER,
        HIDDEN_REG_PARAM,
        t("Log the arguments' values: maxIter=maxIterations, regParam=regularization."),
    )
    run = check_params(lab, report, STEP, HIDDEN_MAX_ITER, HIDDEN_REG_PARAM, hint=hint, runs=new)
    check_outputs(report, run, test=test)
    return report
