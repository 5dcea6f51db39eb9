"""Facts about the learner's MLflow runs, shared by steps 04–06's checks.

Every check judges the learner's *latest attempt*: the newest run of the step in the
learner's experiment, whatever its parameters or status. An older run that was right never
makes a newer wrong one pass; when the latest is wrong and an older one right, the message
says both. Runs are told apart by step (:func:`~grader.lab.steps.step_runs`): the lab
tags every run a notebook starts with its step.
"""

from __future__ import annotations

import math
import time

from grader.checks.i18n import t
from grader.checks.report import Report
from grader.lab import reference
from grader.lab.steps import step_runs

#: How close the logged metrics must be to the logged model's own on ``test``: the same
#: evaluator on the same rows gives the same double; only a float's round trip is allowed.
METRIC_TOLERANCE = 1e-6


def runs_of_step(lab, step: str, *, experiment_id: str | None = None) -> list:
    """The runs ``step`` made in the learner's experiment (or another), newest first."""
    return step_runs(experiment_id or lab.experiment_id, step)


def same_value(logged: str | None, value) -> bool:
    try:
        return logged is not None and math.isclose(float(logged), float(value))
    except ValueError:
        return False


def has_params(run, max_iter, reg_param) -> bool:
    params = run.data.params
    return same_value(params.get("maxIter"), max_iter) and same_value(
        params.get("regParam"), reg_param
    )


def ago(started_ms: int | None, *, now: float | None = None) -> str:
    """``3 minutes ago``: when a run started, as a learner says it."""
    if not started_ms:
        return t("at an unknown time")
    seconds = max(0, int((now if now is not None else time.time()) - started_ms / 1000))
    if seconds < 60:
        return t("{n} seconds ago", n=seconds)
    if seconds < 3600:
        return t("{n} minutes ago", n=seconds // 60)
    if seconds < 86400:
        return t("{n} hours ago", n=seconds // 3600)
    return t("{n} days ago", n=seconds // 86400)


def describe(run, *, latest: bool = True) -> str:
    """``your latest run 1a2b3c4d, 3 minutes ago`` (and its status when it did not finish)."""
    which = {"id": run.info.run_id[:8], "ago": ago(run.info.start_time)}
    text = (
        t("your latest run {id}, {ago}", **which)
        if latest
        else t("an older run {id}, {ago}", **which)
    )
    if run.info.status != "FINISHED":
        text += f" ({run.info.status})"
    return text


def params_text(run) -> str:
    """What the run logged as the lab's two parameters: ``maxIter=10, regParam=0.2``."""
    params = run.data.params
    return ", ".join(
        f"{name}={params.get(name, t('not logged'))}" for name in ("maxIter", "regParam")
    )


def latest_run(lab, report: Report, step: str, *, hint: str, experiment_id=None):
    """The newest run of ``step``; without one, add the failed fact "a run" and return None."""
    runs = runs_of_step(lab, step, experiment_id=experiment_id)
    if not runs:
        report.add(
            t("a run in your experiment"),
            False,
            expected=t("a run in {experiment}", experiment=lab.experiment_name),
            found=t("no run"),
            hint=hint,
        )
        return None
    return runs[0]


def check_params(
    lab,
    report: Report,
    step: str,
    max_iter,
    reg_param,
    *,
    hint: str,
    experiment_id=None,
    runs: list | None = None,
):
    """The fact "your latest run has these params", with what it has if not; returns the run.

    ``runs`` (newest first) instead of the step's runs in the experiment: a check that knows
    which runs the learner's code just made."""
    if runs is None:
        runs = runs_of_step(lab, step, experiment_id=experiment_id)
    expected = f"maxIter={max_iter}, regParam={reg_param}"
    run = runs[0] if runs else None
    ok = run is not None and has_params(run, max_iter, reg_param)
    if run is None:
        found = t("no run in {experiment}", experiment=lab.experiment_name)
    else:
        found = f"{params_text(run)} ({describe(run)})"
    older = next((r for r in runs[1:] if has_params(r, max_iter, reg_param)), None)
    if not ok and older is not None:
        found += "; " + t(
            "{older} had them, but the latest run is the one judged",
            older=describe(older, latest=False),
        )
    report.add(
        t(
            "your latest run has maxIter={max_iter}, regParam={reg_param}",
            max_iter=max_iter,
            reg_param=reg_param,
        ),
        ok,
        expected=expected,
        found=found,
        hint=hint,
    )
    return run


def check_outputs(report: Report, run, *, test=None) -> None:
    """Add the facts of what a run made: three metrics in [0, 1] and a logged model.

    With ``test``, the logged metrics must be what the logged model scores on ``test``:
    metrics consistent with the model, not typed in or computed on other rows.
    """
    which = describe(run)
    metrics = run.data.metrics
    missing = [m for m in reference.METRICS if m not in metrics]
    report.add(
        t("three metrics logged, each in [0, 1]"),
        not missing and all(0.0 <= metrics[m] <= 1.0 for m in reference.METRICS),
        expected=", ".join(f"{m} in [0, 1]" for m in reference.METRICS),
        found=(", ".join(f"{k}={v:.4f}" for k, v in sorted(metrics.items())) or t("none"))
        + f" ({which})",
        hint=t("mlflow.log_metric(metric, metricValue) for each of the three metrics."),
    )
    path = reference.logged_model_path(run.info.run_id)
    report.add(
        t("the model is logged with the run"),
        path is not None,
        expected=t("a logged Spark model (an MLmodel file) in the run's artifacts"),
        found=path or t("no model in {run}", run=which),
        hint="mlflow.spark.log_model(model, unique_model_name, mlflow.spark.get_default_conda_env())",
    )
    logged = {m: metrics[m] for m in reference.METRICS if m in metrics}
    if path is None or test is None or not logged:
        return
    scored = _metrics(f"runs:/{run.info.run_id}/{path}", test, list(logged))
    if scored is None:
        report.add(
            t("the logged metrics are the logged model's on test"),
            False,
            expected=t("a model that loads"),
            found=t("the model does not load"),
            hint="mlflow.spark.log_model(model, unique_model_name, ...)",
        )
        return
    wrong = [m for m in logged if not math.isclose(scored[m], logged[m], abs_tol=METRIC_TOLERANCE)]
    shown = wrong or list(logged)
    report.add(
        t("the logged metrics are the logged model's on test"),
        not wrong,
        expected=", ".join(f"{m}={scored[m]:.4f}" for m in shown),
        found=", ".join(t("{metric}={value:.4f} logged", metric=m, value=logged[m]) for m in shown),
        hint=t("Evaluate model.transform(test) and log what the evaluator returns."),
    )


def _metrics(model_uri: str, test, names: list[str]) -> dict[str, float] | None:
    """The model's own scores on ``test`` (None if it does not load)."""
    import mlflow.spark
    from pyspark.ml.evaluation import MulticlassClassificationEvaluator

    try:
        model = mlflow.spark.load_model(model_uri)
    except Exception:
        return None
    prediction = model.transform(test)
    return {
        name: MulticlassClassificationEvaluator(
            labelCol=reference.LABEL, predictionCol="prediction", metricName=name
        ).evaluate(prediction)
        for name in names
    }
