"""What the lab says about the learner's work between checks, in the learner's language:
their judged run (``lab.see_run``) and their newest model version
(``lab.say_latest_version``). The words are the checks' (the run is described as the checks
judge it, :func:`grader.checks.runs.describe`); the ``Lab`` reaches them through its one
door to the checks.
"""

from __future__ import annotations

from grader.checks.i18n import t
from grader.checks.runs import describe


def see_run(lab, test) -> None:
    """ "See your run": the latest run of this notebook's step, its confusion matrix on
    ``test`` (logged to the run as an image) and its page in the MLflow UI.

    The run shown is the one the checks judge: the newest of this step, not an older run
    that happened to log a model. Without a run or without a model it says so and what to
    do; it never ends in a traceback.
    """
    import mlflow

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


def say_latest_version(model_version) -> None:
    """Step 06, after registering: which version is now the latest and, when the register
    cell ran before, that the deploy cell moves the endpoint to it (a re-run registers
    a new version; the endpoint keeps the old one until then)."""
    version = int(model_version.version)
    print(t("Version {version} is now the latest of {name}.", version=version,
            name=model_version.name))  # fmt: skip
    if version > 1:
        print(
            t(
                "Earlier versions stay registered; the endpoint predict-penguin keeps "
                "the version it serves until the next cell moves it to version {version}.",
                version=version,
            )
        )
