"""The local serving endpoint: a real ``mlflow models serve`` process behind the SDK's API.

The slow test trains and registers the lab's model, then starts ONE endpoint (~15 s) and
walks it through the lab's life: create, find from a fresh API, query, reject, delete.
The fast tests use a registry with a placeholder version and stand-in server commands.
"""

from __future__ import annotations

import os
import shlex
import socket
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import psutil
import pytest
from databricks.sdk.service.serving import (
    EndpointCoreConfigInput,
    EndpointStateConfigUpdate,
    EndpointStateReady,
    ServedEntityInput,
    ServedModelInput,
)

from grader.config import Settings
from grader.exceptions import (
    EndpointConfigError,
    EndpointError,
    PortInUseError,
    ResourceConflict,
    ResourceNotFound,
)
from grader.lab.home import LabHome
from grader.lab.serving import ServingEndpointsAPI, stop_all
from grader.lab.spark import ENDPOINT_JVM_FLAGS, ENDPOINT_SPARK_CONF
from tests.clock import FakeClock

MODEL = "Penguin Predictor"
FEATURES = ["Island", "CulmenLength", "CulmenDepth", "FlipperLength", "BodyMass"]
LAB_REQUEST = [
    {"Island": "Biscoe", "CulmenLength": 48.7, "CulmenDepth": 14.1, "FlipperLength": 210,
     "BodyMass": 4450}
]  # fmt: skip


def config(version: str = "1", model: str = MODEL) -> EndpointCoreConfigInput:
    """The lab's endpoint config."""
    return EndpointCoreConfigInput(
        name="predict-penguin",
        served_entities=[
            ServedEntityInput(
                entity_name=model,
                entity_version=version,
                workload_size="Small",
                scale_to_zero_enabled=True,
            )
        ],
    )


def tree(pid: int) -> list[psutil.Process]:
    """A process and all its descendants, captured now."""
    proc = psutil.Process(pid)
    return [proc, *proc.children(recursive=True)]


def children() -> set[int]:
    """The pids this test process has started (and not yet reaped)."""
    return {p.pid for p in psutil.Process().children(recursive=True)}


@dataclass(frozen=True)
class Trained:
    home: LabHome
    rows: list[dict]  # feature rows to send to the endpoint
    expected: list[float]  # the in-process Spark model's predictions for those rows


def _train(home: LabHome) -> Trained:
    """The lab's pipeline, trained on the penguins, logged and registered as MODEL version 1."""
    import mlflow
    from pyspark.ml import Pipeline
    from pyspark.ml.classification import LogisticRegression
    from pyspark.ml.feature import MinMaxScaler, StringIndexer, VectorAssembler
    from pyspark.sql import SparkSession
    from pyspark.sql.functions import col

    from grader.lab.dataset import penguins_csv

    csv = home.dbfs / "penguins.csv"
    csv.write_bytes(penguins_csv())
    spark = (
        SparkSession.builder.master("local[1]")
        .appName("test-serving")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.extraJavaOptions", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC")
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.local.dir", str(home.spark))
        .getOrCreate()
    )
    try:
        data = spark.read.csv(str(csv), header=True).dropna()
        data = data.select(
            "Island",
            *[col(c).cast("double").alias(c) for c in FEATURES[1:]],
            col("Species").cast("int").alias("Species"),
        )
        pipeline = Pipeline(
            stages=[
                StringIndexer(inputCol="Island", outputCol="IslandIdx"),
                VectorAssembler(inputCols=FEATURES[1:], outputCol="numericFeatures"),
                MinMaxScaler(inputCol="numericFeatures", outputCol="normalizedFeatures"),
                VectorAssembler(
                    inputCols=["IslandIdx", "normalizedFeatures"], outputCol="Features"
                ),
                LogisticRegression(
                    labelCol="Species", featuresCol="Features", maxIter=10, regParam=0.2
                ),
            ]
        )
        model = pipeline.fit(data)
        # Rows of all three species and islands, so equal predictions mean something.
        sample = data.orderBy("Species", "Island", "BodyMass").collect()[::40]
        predicted = model.transform(spark.createDataFrame(sample)).select("prediction").collect()
        mlflow.set_tracking_uri(home.tracking_uri)
        mlflow.set_registry_uri(home.tracking_uri)
        experiment = mlflow.create_experiment("serving", artifact_location=str(home.artifacts))
        with mlflow.start_run(experiment_id=experiment) as run:
            # pip_requirements: no requirement inference (a second Spark, ~30 s)
            mlflow.spark.log_model(model, "model", pip_requirements=["pyspark", "mlflow"])
        mlflow.register_model(f"runs:/{run.info.run_id}/model", MODEL)
    finally:
        spark.stop()
        mlflow.set_tracking_uri(None)  # also unsets MLFLOW_TRACKING_URI: no leak into other tests
        mlflow.set_registry_uri(None)
    rows = [{name: row[name] for name in FEATURES} for row in sample]
    return Trained(home, rows, [row.prediction for row in predicted])


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Trained]:
    home = LabHome(tmp_path_factory.mktemp("served")).ensure()
    try:
        yield _train(home)
    finally:
        stop_all(home)  # whatever a test left running


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabHome]:
    """A home whose registry has MODEL version 1 as a placeholder (no Spark, no artifacts):
    enough for the checks that run before a server, and for stand-in server commands."""
    from mlflow import MlflowClient

    home = LabHome(tmp_path_factory.mktemp("registry")).ensure()
    client = MlflowClient(tracking_uri=home.tracking_uri, registry_uri=home.tracking_uri)
    client.create_registered_model(MODEL)
    client.create_model_version(MODEL, source=str(home.artifacts / "none"))
    try:
        yield home
    finally:
        stop_all(home)


def stand_in(monkeypatch: pytest.MonkeyPatch, code: str) -> None:
    """Make endpoints run ``python -c code`` instead of an MLflow server."""
    monkeypatch.setattr(
        ServingEndpointsAPI, "_command", lambda self, uri, port: [sys.executable, "-c", code]
    )


@pytest.mark.slow
def test_endpoint_lifecycle(trained: Trained) -> None:
    home, settings = trained.home, Settings()
    started = time.monotonic()
    ready = ServingEndpointsAPI(home, settings).create_and_wait(
        "predict-penguin", config=config(), timeout=timedelta(minutes=5)
    )
    print(f"READY after {time.monotonic() - started:.1f} s")
    assert ready.state.ready == EndpointStateReady.READY
    assert ready.config.served_entities[0].entity_name == MODEL

    # Another kernel (a later notebook) finds it through the record alone.
    api = ServingEndpointsAPI(home, settings)
    found = api.get("predict-penguin")
    assert found.state.ready == EndpointStateReady.READY
    assert found.state.config_update == EndpointStateConfigUpdate.NOT_UPDATING
    assert found.config.served_entities[0].entity_version == "1"
    assert [e.name for e in api.list()] == ["predict-penguin"]

    with pytest.raises(ResourceConflict, match="delete it"):
        api.create("predict-penguin", config=config())

    answer = api.query("predict-penguin", dataframe_records=LAB_REQUEST)
    assert len(answer.predictions) == 1
    assert answer.predictions[0] in {0, 1, 2}

    started = time.monotonic()
    answer = api.query("predict-penguin", dataframe_records=trained.rows)
    print(f"{len(trained.rows)} rows answered in {time.monotonic() - started:.2f} s")
    assert answer.predictions == trained.expected
    assert len(set(trained.expected)) == 3  # the sample really spans the three species

    missing = [{k: v for k, v in LAB_REQUEST[0].items() if k != "BodyMass"}]
    with pytest.raises(EndpointError, match=r"HTTP 400 .*INVALID_PARAMETER_VALUE") as error:
        api.query("predict-penguin", dataframe_records=missing)
    assert "BodyMass" in str(error.value)  # the cause, from the stack trace's last line
    assert "Traceback" not in str(error.value)
    assert len(str(error.value).splitlines()) <= 6

    processes = tree(api._record("predict-penguin")["pid"])
    assert any("java" in p.name() for p in processes)  # Spark's JVM is in the tree
    api.delete("predict-penguin")
    assert not [p for p in processes if p.is_running()]
    assert not list(home.endpoints.glob("*.json"))
    with pytest.raises(ResourceNotFound, match="predict-penguin"):
        api.get("predict-penguin")


def test_unknown_model_version_starts_nothing(registry: LabHome) -> None:
    api = ServingEndpointsAPI(registry, Settings())
    before = children()
    with pytest.raises(ResourceNotFound, match=r"'Penguin Predictor' version 7.*[Rr]egister"):
        api.create("predict-penguin", config=config(version="7"))
    with pytest.raises(ResourceNotFound, match="'No Such Model' version 1"):
        api.create("predict-penguin", config=config(model="No Such Model"))
    assert children() == before
    assert list(api.list()) == []


@pytest.mark.parametrize("name", ["predict penguin", "predict.penguin", ""])
def test_endpoint_name_rule(registry: LabHome, name: str) -> None:
    with pytest.raises(EndpointConfigError, match="letters, digits, '-' and '_'"):
        ServingEndpointsAPI(registry, Settings()).create(name, config=config())


def test_older_served_models_config(registry: LabHome, monkeypatch: pytest.MonkeyPatch) -> None:
    stand_in(monkeypatch, "import time; time.sleep(60)")
    api = ServingEndpointsAPI(registry, Settings())
    older = EndpointCoreConfigInput(
        name="p",
        served_models=[ServedModelInput(model_name=MODEL, model_version="1",
                                        scale_to_zero_enabled=True)],
    )  # fmt: skip
    waiter = api.create("older", config=older)
    assert waiter.response.config.served_entities[0].entity_name == MODEL
    assert api.get("older").state.config_update == EndpointStateConfigUpdate.IN_PROGRESS
    with pytest.raises(ResourceConflict, match="'older' already exists"):
        api.create("older", config=older)
    pid = api._record("older")["pid"]
    api.delete("older")
    assert not psutil.pid_exists(pid)  # stopped and reaped
    with pytest.raises(ResourceNotFound, match="Existing endpoints: none"):
        api.delete("older")


def test_process_that_dies_at_once(registry: LabHome, monkeypatch: pytest.MonkeyPatch) -> None:
    stand_in(monkeypatch, "import sys; print('boom', file=sys.stderr); sys.exit(3)")
    api = ServingEndpointsAPI(registry, Settings())
    before = children()
    with pytest.raises(EndpointError, match=r"(?s)exit code 3.*boom"):
        api.create_and_wait("dies", config=config())
    assert list(api.list()) == []
    assert children() == before
    assert "boom" in (registry.logs / "endpoint-dies.log").read_text()


def test_timeout_stops_the_process(registry: LabHome, monkeypatch: pytest.MonkeyPatch) -> None:
    stand_in(monkeypatch, "import time; time.sleep(60)")
    clock = FakeClock()
    api = ServingEndpointsAPI(registry, Settings(endpoint_timeout="1"), clock=clock)
    waiter = api.create("slow", config=config())
    pid = api._record("slow")["pid"]
    with pytest.raises(EndpointError, match=r"'slow' did not answer /ping within 1 s") as error:
        waiter.result(timeout=timedelta(minutes=20))
    assert 1 <= clock.now < 2  # the setting capped the 20 minutes
    assert str(registry.logs / "endpoint-slow.log") in str(error.value)
    assert not psutil.pid_exists(pid)
    assert list(api.list()) == []


def test_port_in_use(registry: LabHome) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(PortInUseError, match=f"Port {port} "):
            ServingEndpointsAPI(registry, Settings()).create("p", config=config(), _port=port)
    assert list(ServingEndpointsAPI(registry, Settings()).list()) == []


def test_query_a_dead_endpoint(registry: LabHome, monkeypatch: pytest.MonkeyPatch) -> None:
    stand_in(monkeypatch, "import time; time.sleep(60)")
    api = ServingEndpointsAPI(registry, Settings())
    api.create("gone", config=config())
    psutil.Process(api._record("gone")["pid"]).kill()
    time.sleep(0.2)
    fresh = ServingEndpointsAPI(registry, Settings())
    assert fresh.get("gone").state.config_update == EndpointStateConfigUpdate.UPDATE_FAILED
    with pytest.raises(EndpointError, match=r"not running.*create it again"):
        fresh.query("gone", dataframe_records=LAB_REQUEST)
    assert stop_all(registry) == ["gone"]


def test_missing_config_is_explained(registry: LabHome) -> None:
    with pytest.raises(EndpointConfigError, match="served_entities"):
        ServingEndpointsAPI(registry, Settings()).create("p")


def test_server_command_and_environment(registry: LabHome) -> None:
    api = ServingEndpointsAPI(registry, Settings())
    command = api._command("models:/Penguin Predictor/1", 5001)
    assert command[:5] == [sys.executable, "-m", "mlflow", "models", "serve"]
    assert "models:/Penguin Predictor/1" in command and "local" in command
    env = api._env()
    assert env["MLFLOW_TRACKING_URI"] == env["MLFLOW_REGISTRY_URI"] == registry.tracking_uri
    assert env["PYSPARK_PYTHON"] == sys.executable
    assert env["PATH"].startswith(str(Path(sys.executable).parent))  # MLflow runs `uvicorn`
    assert env["PYSPARK_SUBMIT_ARGS"].endswith(" pyspark-shell")


def test_tuned_server_environment(registry: LabHome) -> None:
    """Tuned, the server's Spark gets the endpoint's settings through spark-submit and its
    JVM the endpoint's JIT flags; untuned, both keep their defaults (the benchmark's
    baseline)."""
    tuned = ServingEndpointsAPI(registry, Settings(tuning="on"))._env()
    args = shlex.split(tuned["PYSPARK_SUBMIT_ARGS"])
    for key, value in ENDPOINT_SPARK_CONF.items():
        assert args[args.index(f"{key}={value}") - 1] == "--conf"
    assert args[-1] == "pyspark-shell"
    assert tuned["JAVA_TOOL_OPTIONS"] == ENDPOINT_JVM_FLAGS

    untuned = ServingEndpointsAPI(registry, Settings(tuning="off"))._env()
    memory = Settings().spark_memory
    assert untuned["PYSPARK_SUBMIT_ARGS"] == f"--driver-memory {memory} pyspark-shell"
    assert untuned.get("JAVA_TOOL_OPTIONS") == os.environ.get("JAVA_TOOL_OPTIONS")


PING_SERVER = """
import http.server, sys
class Ping(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200); self.end_headers()
    def log_message(self, *args):
        pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Ping).serve_forever()
"""


def test_update_config_moves_the_endpoint_to_a_new_version(
    registry: LabHome, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Step 06 run again: version 2 registered, the deploy cell moves the endpoint to it."""
    from mlflow import MlflowClient

    monkeypatch.setattr(
        ServingEndpointsAPI,
        "_command",
        lambda self, uri, port: [sys.executable, "-c", PING_SERVER, str(port)],
    )
    client = MlflowClient(tracking_uri=registry.tracking_uri, registry_uri=registry.tracking_uri)
    version = client.create_model_version(MODEL, source=str(registry.artifacts / "none")).version
    api = ServingEndpointsAPI(registry, Settings())
    first = api.create_and_wait("moved", config=config())
    old = api._record("moved")
    assert first.config.served_entities[0].entity_version == "1"

    with pytest.raises(ResourceNotFound, match="version 9"):  # refused: nothing stops
        api.update_config("moved", served_entities=config("9").served_entities)
    assert api.get("moved").state.ready == EndpointStateReady.READY

    moved = api.update_config_and_wait(
        "moved", served_entities=config(str(version)).served_entities
    )
    assert moved.config.served_entities[0].entity_version == str(version)
    assert moved.state.ready == EndpointStateReady.READY
    assert not psutil.pid_exists(old["pid"])
    assert [e.name for e in api.list()] == ["moved"]
    with pytest.raises(ResourceNotFound, match="No endpoint named 'nowhere'"):
        api.update_config("nowhere", served_entities=config().served_entities)
    api.delete("moved")
