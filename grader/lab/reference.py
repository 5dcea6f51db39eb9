"""The lab's reference answer for each step, as plain functions.

A notebook's locked setup cell calls these to rebuild what the earlier steps would have
left (the data file, the running cluster, a run with a model, the endpoint), so every
notebook also runs on its own in a fresh lab home. They follow the lab's code exactly; the
solution notebooks show the same code to the learner.
"""

from __future__ import annotations

import io
import time
from typing import Any

from grader.lab import cluster_rules
from grader.lab.dataset import LAB_PATH, PENGUINS_SHA256, penguins_csv, sha256
from grader.lab.steps import ENDPOINT_NAME as ENDPOINT_NAME
from grader.lab.steps import MODEL_NAME as MODEL_NAME

CAT_FEATURE = "Island"
NUM_FEATURES = ["CulmenLength", "CulmenDepth", "FlipperLength", "BodyMass"]
LABEL = "Species"
METRICS = ["accuracy", "weightedRecall", "weightedPrecision"]
#: The lab's JSON request to the endpoint.
SAMPLE_REQUEST = {
    "dataframe_records": [
        {
            "Island": "Biscoe",
            "CulmenLength": 48.7,
            "CulmenDepth": 14.1,
            "FlipperLength": 210,
            "BodyMass": 4450,
        }
    ]
}


# -- 01 provision ---------------------------------------------------------------------------
def provision_data(w) -> None:
    """rm -r /mlflow_lab; mkdir /mlflow_lab; put penguins.csv there (the lab's %sh cell)."""
    if w.dbfs.exists("/mlflow_lab"):
        w.dbfs.delete("/mlflow_lab", recursive=True)
    w.dbfs.mkdirs("/mlflow_lab")
    w.dbfs.upload(LAB_PATH, io.BytesIO(penguins_csv()), overwrite=True)


def data_is_intact(w) -> bool:
    if not w.dbfs.exists(LAB_PATH):
        return False
    with w.dbfs.download(LAB_PATH) as f:
        return sha256(f.read()) == PENGUINS_SHA256


# -- 02 cluster ------------------------------------------------------------------------------
def cluster_name(user) -> str:
    return f"{user.display_name}'s cluster"


def cluster_spec(w, user) -> dict[str, Any]:
    """The lab's cluster: single node, latest LTS ML runtime (no GPU, Scala 2.13),
    Standard_D4ds_v5, no Photon, single user, 20 idle minutes. Single node the current way:
    ``kind=CLASSIC_PREVIEW`` and ``is_single_node=True``, with which the workspace sets the
    single-node ``spark_conf`` and tags itself (it refuses them given with an access mode)."""
    from databricks.sdk.service.compute import DataSecurityMode, RuntimeEngine

    return {
        "cluster_name": cluster_name(user),
        "spark_version": w.clusters.select_spark_version(
            latest=True, long_term_support=True, ml=True, gpu=False, scala="2.13"
        ),
        "node_type_id": cluster_rules.LAB_NODE_TYPE,
        **_single_node(),
        "data_security_mode": DataSecurityMode.SINGLE_USER,
        "single_user_name": user.user_name,
        "runtime_engine": RuntimeEngine.STANDARD,
        "autotermination_minutes": cluster_rules.LAB_AUTOTERMINATION_MINUTES,
    }


def _single_node() -> dict[str, Any]:
    """The single-node fields: the current way, or the older one where databricks-sdk
    predates ``kind`` (16.4 LTS ML's 0.30, whose ``clusters.create`` takes neither ``kind``
    nor ``is_single_node``), so that a setup cell restores the cluster there too."""
    if cluster_rules.SDK_HAS_KIND:
        return {"kind": cluster_rules.CLASSIC_PREVIEW, "is_single_node": True}
    return {
        "num_workers": 0,
        "spark_conf": dict(cluster_rules.SINGLE_NODE_CONF),
        "custom_tags": dict(cluster_rules.SINGLE_NODE_TAGS),
    }


def running_cluster(w, name: str):
    """The newest RUNNING cluster with this name, or None."""
    from databricks.sdk.service.compute import State

    running = [c for c in w.clusters.list() if c.cluster_name == name and c.state == State.RUNNING]
    return max(running, key=lambda c: c.start_time or 0) if running else None


def ensure_cluster(w):
    """The learner's running cluster: the running one of the lab's name, else that cluster
    started again if it is terminated, else a new one with the lab's spec (``create_and_wait``
    finds and starts the learner's cluster on both backends)."""
    user = w.current_user.me()
    found = running_cluster(w, cluster_name(user))
    if found is not None:
        return found
    spec = cluster_spec(w, user)
    return w.clusters.create_and_wait(spec.pop("spark_version"), **spec)


# -- 03 data prep ----------------------------------------------------------------------------
def prepare(spark, csv_path: str):
    """Read the CSV, drop incomplete rows, cast types (the lab's cell)."""
    from pyspark.sql.functions import col

    data = spark.read.format("csv").option("header", "true").load(csv_path)
    return data.dropna().select(
        col("Island").astype("string"),
        col("CulmenLength").astype("float"),
        col("CulmenDepth").astype("float"),
        col("FlipperLength").astype("float"),
        col("BodyMass").astype("float"),
        col("Species").astype("int"),
    )


def split(data, seed: int):
    train, test = data.randomSplit([0.7, 0.3], seed=seed)
    return train, test


# -- 04/05 training ---------------------------------------------------------------------------
def pipeline(max_iterations: int, regularization: float):
    from pyspark.ml import Pipeline
    from pyspark.ml.classification import LogisticRegression
    from pyspark.ml.feature import MinMaxScaler, StringIndexer, VectorAssembler

    cat_indexer = StringIndexer(inputCol=CAT_FEATURE, outputCol=CAT_FEATURE + "Idx")
    num_vector = VectorAssembler(inputCols=NUM_FEATURES, outputCol="numericFeatures")
    num_scaler = MinMaxScaler(inputCol=num_vector.getOutputCol(), outputCol="normalizedFeatures")
    feature_vector = VectorAssembler(
        inputCols=["IslandIdx", "normalizedFeatures"], outputCol="Features"
    )
    algo = LogisticRegression(
        labelCol=LABEL, featuresCol="Features", maxIter=max_iterations, regParam=regularization
    )
    return Pipeline(stages=[cat_indexer, num_vector, num_scaler, feature_vector, algo])


def train_penguin_model(training_data, test_data, maxIterations, regularization, *, lab) -> str:
    """The lab's ``train_penguin_model``; returns the run id."""
    import mlflow
    import mlflow.spark
    from pyspark.ml.evaluation import MulticlassClassificationEvaluator

    with mlflow.start_run() as run:
        model_pipeline = pipeline(maxIterations, regularization)
        algo = model_pipeline.getStages()[-1]
        mlflow.log_param("maxIter", algo.getMaxIter())
        mlflow.log_param("regParam", algo.getRegParam())
        model = model_pipeline.fit(training_data)
        prediction = model.transform(test_data)
        for metric in METRICS:
            evaluator = MulticlassClassificationEvaluator(
                labelCol=LABEL, predictionCol="prediction", metricName=metric
            )
            mlflow.log_metric(metric, evaluator.evaluate(prediction))
        unique_model_name = "classifier-" + str(time.time())
        mlflow.spark.log_model(model, unique_model_name, mlflow.spark.get_default_conda_env())
        mlflow.spark.save_model(
            model,
            lab.path(f"/model/{unique_model_name}"),
            conda_env=mlflow.spark.get_default_conda_env(),
        )
    return run.info.run_id


def logged_model_path(run_id: str, client=None) -> str | None:
    """The artifact path of the model a run logged (the lab's ``classifier-<time>``), or None.

    The Spark flavor logs its model as run artifacts: a folder holding an ``MLmodel`` file.
    ``client``: an ``MlflowClient`` of its own tracking URI (default: MLflow's current one).
    """
    import mlflow

    client = client or mlflow.MlflowClient()
    for folder in client.list_artifacts(run_id):
        if folder.is_dir and any(
            f.path.endswith("/MLmodel") for f in client.list_artifacts(run_id, folder.path)
        ):
            return folder.path
    return None


def latest_model_run(experiment_id: str, client=None):
    """The newest FINISHED run of the experiment that logged a model, with its model URI.

    ``client``: an ``MlflowClient`` of its own tracking URI, for a process that must leave
    MLflow's current one as it is (default: MLflow's current one)."""
    import mlflow

    search = dict(
        experiment_ids=[experiment_id],
        filter_string="attributes.status = 'FINISHED'",
        order_by=["attributes.start_time DESC"],
    )
    runs = (
        client.search_runs(**search)
        if client
        else mlflow.search_runs(**search, output_format="list")
    )
    for run in runs:
        path = logged_model_path(run.info.run_id, client)
        if path is not None:
            return run, f"runs:/{run.info.run_id}/{path}"
    return None


# -- 06 register and deploy --------------------------------------------------------------------
def lab_signature():
    """The signature of the lab's model as its endpoint is called: the five features with the
    dataset's types (flipper length and body mass are whole numbers, as in the lab's JSON
    request) and one predicted species. Unity Catalog registers only models with one."""
    from mlflow.models import ModelSignature
    from mlflow.types import ColSpec, Schema

    types = {"CulmenLength": "double", "CulmenDepth": "double",
             "FlipperLength": "long", "BodyMass": "long"}  # fmt: skip
    inputs = [ColSpec("string", CAT_FEATURE)] + [ColSpec(types[c], c) for c in NUM_FEATURES]
    return ModelSignature(inputs=Schema(inputs), outputs=Schema([ColSpec("double")]))


def predictions(spark, model_uri: str, records: list[dict]) -> list[float]:
    """What the Spark model at ``model_uri`` predicts for ``records``, with ``spark``."""
    import mlflow.spark
    import pandas as pd

    frame = spark.createDataFrame(pd.DataFrame(records))  # starts Spark first
    model = mlflow.spark.load_model(model_uri)
    return [float(r.prediction) for r in model.transform(frame).select("prediction").collect()]


def sign_latest_model(experiment_id: str) -> str | None:
    """Give the latest run's logged model the lab's signature if it has none (the lab's
    ``log_model`` call passes no signature); return the model's URI, None if no run has one."""
    import mlflow
    from mlflow.models import Model, set_signature

    found = latest_model_run(experiment_id)
    if found is None:
        return None
    _run, model_uri = found
    local = mlflow.artifacts.download_artifacts(f"{model_uri}/MLmodel")
    if Model.load(local).signature is None:
        set_signature(model_uri, lab_signature())
    return model_uri


def register_latest(experiment_id: str, name: str = MODEL_NAME):
    """Register the latest run's model as ``name`` (``lab.model_name``); return the version."""
    import mlflow

    found = latest_model_run(experiment_id)
    if found is None:
        raise LookupError("No run with a logged model in the experiment; run step 05 first.")
    _run, model_uri = found
    return mlflow.register_model(model_uri, name)


def latest_version(name: str = MODEL_NAME):
    """The newest registered version of the model ``name`` (``lab.model_name``), or None."""
    import mlflow

    versions = mlflow.MlflowClient().search_model_versions(f"name='{name}'")
    return max(versions, key=lambda v: int(v.version)) if versions else None


def endpoint_config(version: str, name: str = MODEL_NAME):
    from databricks.sdk.service.serving import EndpointCoreConfigInput, ServedEntityInput

    return EndpointCoreConfigInput(
        name=ENDPOINT_NAME,
        served_entities=[
            ServedEntityInput(
                entity_name=name,
                entity_version=str(version),
                workload_size="Small",
                scale_to_zero_enabled=True,
            )
        ],
    )
