"""Step 06: the latest run's model registered as ``lab.model_name`` ("Penguin Predictor"
locally, the learner's own name on Databricks), served by ``predict-penguin``, and the
endpoint's answers."""

from __future__ import annotations

from grader.checks import evidence
from grader.checks.i18n import t
from grader.checks.learner import MISSING, Learner
from grader.checks.report import Report
from grader.lab import reference

#: Penguins other than the lab's sample (rows of the dataset, one per species and island).
OTHER_PENGUINS = [
    {"Island": "Torgersen", "CulmenLength": 39.1, "CulmenDepth": 18.7, "FlipperLength": 181, "BodyMass": 3750},
    {"Island": "Dream", "CulmenLength": 46.5, "CulmenDepth": 17.9, "FlipperLength": 192, "BodyMass": 3500},
    {"Island": "Biscoe", "CulmenLength": 46.1, "CulmenDepth": 13.2, "FlipperLength": 211, "BodyMass": 4500},
    {"Island": "Dream", "CulmenLength": 39.5, "CulmenDepth": 16.7, "FlipperLength": 178, "BodyMass": 3250},
    {"Island": "Biscoe", "CulmenLength": 50.0, "CulmenDepth": 15.2, "FlipperLength": 218, "BodyMass": 5700},
]  # fmt: skip


def register(lab, learner: Learner) -> Report:
    report = Report(t("Step 06 · register the model as lab.model_name"))
    version = reference.latest_version(lab.model_name)
    report.add(
        t("a registered model named {name}", name=repr(lab.model_name)),
        version is not None,
        expected=t("at least one version"),
        found=t("version {v}", v=version.version) if version else t("no such model"),
        hint="mlflow.register_model(model_uri, lab.model_name)",
    )
    latest = reference.latest_model_run(lab.experiment_id)
    if version is not None:
        expected_run = latest[0].info.run_id if latest else None
        report.add(
            t("the version comes from your latest run"),
            version.run_id == expected_run,
            expected=f"run {expected_run} ({describe(latest[0])})"
            if latest
            else t("(no run with a model)"),
            found=t("version {v} from run {id}", v=version.version, id=version.run_id),
            hint=t("Register runs:/<latest run id>/<its classifier-… folder>."),
        )
    return report


def describe(run) -> str:
    """``your latest run with a model, 3 minutes ago``."""
    from grader.checks.runs import ago

    return t("your latest run with a model, {ago}", ago=ago(run.info.start_time))


def _endpoint_facts(lab, report: Report):
    from grader.exceptions import ResourceNotFound

    try:
        endpoint = lab.workspace.serving_endpoints.get(reference.ENDPOINT_NAME)
    except ResourceNotFound:
        endpoint = None
    state = getattr(getattr(getattr(endpoint, "state", None), "ready", None), "value", None)
    report.add(
        t("endpoint {name} is READY", name=reference.ENDPOINT_NAME),
        state == "READY",
        expected="READY",
        found=state or t("no endpoint"),
        hint="w.serving_endpoints.create_and_wait(name='predict-penguin', config=...)",
    )
    version = reference.latest_version(lab.model_name)
    if endpoint is not None and version is not None:
        served = [
            (e.entity_name, str(e.entity_version)) for e in (endpoint.config.served_entities or [])
        ]
        wanted = (lab.model_name, str(version.version))
        report.add(
            t("it serves the registered version"),
            wanted in served,
            expected=f"{wanted[0]} v{wanted[1]}",
            found=", ".join(f"{n} v{v}" for n, v in served) or t("nothing"),
            hint="ServedEntityInput(entity_name=lab.model_name, entity_version=...)",
        )
    return endpoint


def endpoint(lab, learner: Learner) -> Report:
    report = Report(t("Step 06 · the endpoint answers the lab's request"))
    response = learner.get(
        "response",
        report,
        expected=t("the endpoint's answer"),
        hint="response = w.serving_endpoints.query(name='predict-penguin', dataframe_records=...)",
    )
    _endpoint_facts(lab, report)
    if response is not MISSING:
        predictions = getattr(response, "predictions", None)
        report.add(
            t("one prediction, a valid species (0, 1 or 2)"),
            isinstance(predictions, list) and len(predictions) == 1 and predictions[0] in (0, 1, 2),
            expected=t("[0.0], [1.0] or [2.0]"),
            found=repr(predictions),
            hint=t("Send the lab's request: one record in dataframe_records."),
        )
    return report


def other_penguins(lab, learner: Learner) -> Report:
    """The endpoint gives, for other penguins, what the registered model gives run by the
    lab's Spark (in this kernel; on Databricks, on the learner's cluster)."""
    report = Report(t("Step 06 · the endpoint for other penguins"))
    endpoint = _endpoint_facts(lab, report)
    version = reference.latest_version(lab.model_name)
    if endpoint is None or version is None:
        return report
    try:
        answer = lab.workspace.serving_endpoints.query(
            reference.ENDPOINT_NAME, dataframe_records=OTHER_PENGUINS
        ).predictions
    except Exception as exc:
        answer = f"{type(exc).__name__}: {exc}"
    expected = lab.predictions(f"models:/{lab.model_name}/{version.version}", OTHER_PENGUINS)
    evidence.leave(lab, "endpoint.others", learner, answer=answer, expected=expected)
    report.add(
        t("{n} other penguins: the model's own predictions", n=len(OTHER_PENGUINS)),
        answer == expected,
        expected=str(expected),
        found=str(answer),
        hint=t("Serve the version you registered, and keep the endpoint running."),
    )
    return report
