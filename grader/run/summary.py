"""What a course run made, read back from the lab home: runs, registered model, endpoint
answer, cleanup. Used by the course command's closing summary."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from grader.lab import reference
from grader.lab.home import LabHome
from grader.lab.records import RecordStore

PREDICTION_LINE = "Prediction for the lab's penguin:"


@dataclass
class RunFacts:
    run_id: str
    params: dict[str, str]
    metrics: dict[str, float]


@dataclass
class Summary:
    runs: list[RunFacts] = field(default_factory=list)
    model_versions: list[str] = field(default_factory=list)
    prediction: str | None = None
    endpoints_left: list[str] = field(default_factory=list)
    clusters_running: list[str] = field(default_factory=list)

    @property
    def cleaned_up(self) -> bool:
        return not self.endpoints_left and not self.clusters_running


def read_runs(home: LabHome) -> list[RunFacts]:
    import mlflow

    client = mlflow.MlflowClient(tracking_uri=home.tracking_uri, registry_uri=home.tracking_uri)
    # The learner's own experiment; the grader's hidden call logs to "<name>-grading".
    experiments = [
        e.experiment_id for e in client.search_experiments() if e.name.endswith("/mlflow_lab")
    ]
    runs = client.search_runs(experiments, order_by=["attributes.start_time ASC"])
    return [RunFacts(r.info.run_id, dict(r.data.params), dict(r.data.metrics)) for r in runs]


def read_model_versions(home: LabHome) -> list[str]:
    import mlflow

    client = mlflow.MlflowClient(tracking_uri=home.tracking_uri, registry_uri=home.tracking_uri)
    versions = client.search_model_versions(f"name='{reference.MODEL_NAME}'")
    return [f"{v.name} v{v.version} (run {v.run_id})" for v in versions]


def read_prediction(executed_06: Path) -> str | None:
    """The prediction the deploy notebook printed for the lab's sample penguin."""
    if not executed_06.exists():
        return None
    notebook = json.loads(executed_06.read_text(encoding="utf-8"))
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            text = "".join(output.get("text", ""))
            for line in text.splitlines():
                if line.startswith(PREDICTION_LINE):
                    return line[len(PREDICTION_LINE) :].strip()
    return None


def summarize(home: LabHome, out: Path) -> Summary:
    clusters = [
        r["cluster_name"] for r in RecordStore(home.clusters) if r.get("state") != "TERMINATED"
    ]
    return Summary(
        runs=read_runs(home),
        model_versions=read_model_versions(home),
        prediction=read_prediction(out / "06_register_deploy.ipynb"),
        endpoints_left=[r["name"] for r in RecordStore(home.endpoints)],
        clusters_running=clusters,
    )
