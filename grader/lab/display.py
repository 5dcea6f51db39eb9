"""``display(df)`` as Databricks notebooks have it, for Jupyter: a Spark or pandas
DataFrame becomes an HTML table of its first rows."""

from __future__ import annotations

from typing import Any

MAX_ROWS = 20


def display(obj: Any, *, max_rows: int = MAX_ROWS) -> None:
    """Show a DataFrame (Spark or pandas) as a table, anything else as Jupyter would."""
    from IPython.display import display as ipython_display

    if hasattr(obj, "limit") and hasattr(obj, "toPandas"):  # a Spark DataFrame
        frame = obj.limit(max_rows).toPandas()
        ipython_display(frame)
        return
    if hasattr(obj, "head") and hasattr(obj, "to_html"):  # a pandas DataFrame
        ipython_display(obj.head(max_rows))
        return
    ipython_display(obj)


def see_run(lab, test) -> None:
    """ "See your run": the latest run of this notebook's step, its confusion matrix on
    ``test`` (logged to the run as an image) and its page in the MLflow UI.

    The run shown is the one the checks judge: the newest of this step, not an older run
    that happened to log a model. Without a run or without a model it says so and what to
    do; it never ends in a traceback.
    """
    import mlflow

    from grader.checks.i18n import t
    from grader.checks.runs import describe
    from grader.lab import plots, reference
    from grader.lab.steps import step_runs

    runs = step_runs(lab.experiment_id, lab.step) if lab.step else []
    if not runs:
        print(t("You have no run in this step yet: run the training cell first."))
        print(t("All your runs, to compare:"), lab.ui_url())
        return
    run = runs[0]
    path = reference.logged_model_path(run.info.run_id)
    if path is None:
        print(
            t(
                "{run} logged no model, so there is no confusion matrix to show: log it with "
                "mlflow.spark.log_model(model, unique_model_name, ...) and run it again.",
                run=_sentence(describe(run)),
            )
        )
    else:
        model = mlflow.spark.load_model(f"runs:/{run.info.run_id}/{path}")
        confusion = plots.confusion_matrix(model.transform(test))
        mlflow.MlflowClient().log_figure(run.info.run_id, confusion, "confusion_matrix.png")
        plots.show(confusion)
    print(t("Your run in the MLflow UI:"), lab.ui_url(run))
    print(t("All your runs, to compare:"), lab.ui_url())


def _sentence(text: str) -> str:
    """``your latest run …`` as the start of a sentence."""
    return text[:1].upper() + text[1:]
