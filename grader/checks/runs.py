"""Facts about the learner's MLflow runs, shared by steps 04–06's checks."""

from __future__ import annotations

import math

from grader.checks.i18n import t
from grader.checks.report import Report
from grader.lab import reference


def runs_with_params(lab, max_iter, reg_param, *, experiment_id: str | None = None) -> list:
    """FINISHED runs of the learner's experiment (or another) with these params, newest first."""
    import mlflow

    return [
        run
        for run in mlflow.search_runs(
            experiment_ids=[experiment_id or lab.experiment_id],
            filter_string="attributes.status = 'FINISHED'",
            order_by=["attributes.start_time DESC"],
            output_format="list",
        )
        if _same(run.data.params.get("maxIter"), max_iter)
        and _same(run.data.params.get("regParam"), reg_param)
    ]


def _same(logged: str | None, value) -> bool:
    try:
        return logged is not None and math.isclose(float(logged), float(value))
    except ValueError:
        return False


def find_run(
    lab,
    report: Report,
    max_iter,
    reg_param,
    *,
    step_hint: str,
    experiment_id: str | None = None,
):
    """Add the fact "a finished run with these params exists"; return the newest or None."""
    runs = runs_with_params(lab, max_iter, reg_param, experiment_id=experiment_id)
    report.add(
        t(
            "a finished run with maxIter={max_iter}, regParam={reg_param}",
            max_iter=max_iter,
            reg_param=reg_param,
        ),
        bool(runs),
        expected=t(
            "params maxIter={max_iter}, regParam={reg_param} in {experiment}",
            max_iter=max_iter,
            reg_param=reg_param,
            experiment=lab.experiment_name,
        ),
        found=t("{n} such runs", n=len(runs)),
        hint=step_hint,
    )
    return runs[0] if runs else None


def check_outputs(report: Report, run, *, test=None) -> None:
    """Add the facts of what a run made: three metrics in [0, 1] and a logged model.

    With ``test``, the logged accuracy must be what the logged model scores on ``test``:
    metrics consistent with the model, not typed in.
    """
    metrics = run.data.metrics
    missing = [m for m in reference.METRICS if m not in metrics]
    report.add(
        t("three metrics logged, each in [0, 1]"),
        not missing and all(0.0 <= metrics[m] <= 1.0 for m in reference.METRICS),
        expected=", ".join(reference.METRICS),
        found=", ".join(f"{k}={v:.3f}" for k, v in sorted(metrics.items())) or t("none"),
        hint=t("mlflow.log_metric(metric, metricValue) for each of the three metrics."),
    )
    path = reference.logged_model_path(run.info.run_id)
    report.add(
        t("the model is logged with the run"),
        path is not None,
        expected=t("a logged Spark model (an MLmodel file) in the run's artifacts"),
        found=path or t("no model"),
        hint="mlflow.spark.log_model(model, unique_model_name, mlflow.spark.get_default_conda_env())",
    )
    if path is not None and test is not None and "accuracy" in metrics:
        accuracy = _accuracy(f"runs:/{run.info.run_id}/{path}", test)
        report.add(
            t("the logged accuracy is the logged model's accuracy on test"),
            accuracy is not None and math.isclose(accuracy, metrics["accuracy"], abs_tol=1e-6),
            expected=t("{value:.4f} (logged)", value=metrics["accuracy"]),
            found=t("the model does not load") if accuracy is None else f"{accuracy:.4f}",
            hint=t("Evaluate model.transform(test) and log what the evaluator returns."),
        )


def check_run(
    lab,
    report: Report,
    max_iter,
    reg_param,
    *,
    test=None,
    step_hint: str,
    experiment_id: str | None = None,
):
    """Both: the run exists, and what it made is right. Returns the run (or None)."""
    run = find_run(
        lab, report, max_iter, reg_param, step_hint=step_hint, experiment_id=experiment_id
    )
    if run is not None:
        check_outputs(report, run, test=test)
    return run


def _accuracy(model_uri: str, test) -> float | None:
    import mlflow.spark
    from pyspark.ml.evaluation import MulticlassClassificationEvaluator

    try:
        model = mlflow.spark.load_model(model_uri)
    except Exception:
        return None
    evaluator = MulticlassClassificationEvaluator(
        labelCol=reference.LABEL, predictionCol="prediction", metricName="accuracy"
    )
    return evaluator.evaluate(model.transform(test))
