"""The audit outside the kernel: every test cell has one, it fails closed, and it believes
only evidence it can verify against the lab's own data."""

from __future__ import annotations

import csv
import io
import json

import pytest

from grader.checks import evidence
from grader.grading import outcomes
from grader.grading.collect import grade_cells
from grader.grading.outcomes import CONFIRM, OUTCOMES, audit, confirm, parse
from grader.grading.results import NOT_CONFIRMED, NotebookResult
from grader.grading.results import TestResult as Result
from grader.lab.dataset import penguins_csv
from grader.lab.steps import STEPS
from tests.notebooks.conftest import SOLUTIONS


@pytest.mark.parametrize("notebook", STEPS)
def test_every_test_cell_is_confirmed_outside_the_kernel(notebook):
    test_ids = {gid for gid, _ in grade_cells(SOLUTIONS / f"{notebook}.ipynb")}
    assert set(OUTCOMES[notebook]) == test_ids
    for names in OUTCOMES[notebook].values():
        assert names and all(name in CONFIRM for name in names)


def test_an_empty_lab_fails_every_record_check():
    found = audit("04_mlflow_run")
    assert set(found) == {"check_mlflow_run", "check_mlflow_model"}
    assert not any(v["passed"] for v in found.values())
    assert "found:    no run in" in found["check_mlflow_run"]["report"]


@pytest.mark.parametrize("notebook", ["01_provision", "02_cluster", "03_data_prep"])
def test_a_check_cell_that_never_ran_confirms_nothing(notebook):
    found = audit(notebook)
    assert set(found) == set(OUTCOMES[notebook])
    assert not any(v["passed"] for v in found.values())
    assert "the check cell did not run" in json.dumps(found) or "0 such" in json.dumps(found)


def _complete_rows() -> list[list]:
    rows = csv.DictReader(io.StringIO(penguins_csv().decode()))
    columns = ("Island", "CulmenLength", "CulmenDepth", "FlipperLength", "BodyMass", "Species")
    return [
        [r["Island"], *(float(r[c]) for c in columns[1:5]), int(r["Species"])]
        for r in rows
        if all(r.values())
    ]


DTYPES = [
    ["Island", "string"], ["CulmenLength", "float"], ["CulmenDepth", "float"],
    ["FlipperLength", "float"], ["BodyMass", "float"], ["Species", "int"],
]  # fmt: skip


def _leave(lab_home, name, payload):
    path = evidence.path(lab_home, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload))


def test_prepared_data_is_verified_against_the_labs_own_data(lab_home):
    rows = _complete_rows()
    assert len(rows) == 342
    data = {"dtypes": DTYPES, "rows": rows}
    _leave(lab_home, "data_prep.data", {"data": data})
    _leave(
        lab_home,
        "data_prep.split",
        {"data": data, "train": {"rows": rows[:240]}, "test": {"rows": rows[240:]}},
    )
    found = audit("03_data_prep")
    assert all(v["passed"] for v in found.values()), found

    forged = [*rows[:-1], ["Dream", 1.0, 1.0, 1.0, 1.0, 0]]  # 342 rows, one of them made up
    _leave(lab_home, "data_prep.data", {"data": {"dtypes": DTYPES, "rows": forged}})
    _leave(
        lab_home, "data_prep.split", {"data": data, "train": {"rows": rows}, "test": {"rows": []}}
    )
    found = audit("03_data_prep")
    assert not found["check_data_prep"]["passed"]
    assert not found["check_split"]["passed"]
    assert "about 70% of rows for training" in found["check_split"]["report"]


def test_oversized_or_malformed_evidence_confirms_nothing(lab_home):
    path = evidence.path(lab_home, "data_prep.data")
    path.parent.mkdir(parents=True)
    path.write_text("x" * (evidence.MAX_BYTES + 1))
    assert "more than" in audit("03_data_prep")["check_data_prep"]["report"]
    path.write_text("[1, 2]")
    assert "not a JSON object" in audit("03_data_prep")["check_data_prep"]["report"]
    path.unlink()
    path.symlink_to("/etc/passwd")
    assert "not a plain file" in audit("03_data_prep")["check_data_prep"]["report"]


def test_the_function_is_verified_from_its_source(lab_home):
    good = "def train_penguin_model(training_data, test_data, maxIterations, regularization):\n"
    _leave(lab_home, "function.signature", {"source": good + "    return 1\n"})
    assert CONFIRM["function.signature"](_lab()).passed
    _leave(lab_home, "function.signature", {"source": "train_penguin_model = lambda *a: 1"})
    assert not CONFIRM["function.signature"](_lab()).passed
    _leave(lab_home, "function.signature", {"source": good.replace("regularization", "*rest")})
    assert not CONFIRM["function.signature"](_lab()).passed


def _lab():
    from grader.lab import Lab

    return Lab()


def test_the_audits_output_is_schema_checked():
    good = {"check_data": {"passed": True, "report": "ok"}}
    assert parse(b"noise\n" + json.dumps(good).encode(), "01_provision") == good
    for bad, why in [
        (b"", "printed nothing"),
        (b"[]", "not a JSON object"),
        (b'{"check_bonus": {"passed": true, "report": ""}}', "does not have"),
        (b'{"check_data": {"passed": 1, "report": ""}}', "malformed"),
        (b'{"check_data": {"passed": true}}', "malformed"),
        (b"x" * (outcomes.MAX_OUTPUT + 1), "larger than"),
    ]:
        with pytest.raises(ValueError, match=why):
            parse(bad, "01_provision")


def _result() -> NotebookResult:
    return NotebookResult(
        "01_provision",
        [Result("check_connect", 1.0, 1.0, True), Result("check_data", 2.0, 2.0, True)],
    )


def test_an_empty_audit_confirms_nothing_and_earns_nothing():
    result = confirm(_result(), {})
    assert result.score == 0
    for test in result.tests:
        assert test.reason == f"{NOT_CONFIRMED}: nothing outside the kernel confirms this test"


def test_a_confirmed_test_keeps_its_points_and_a_refuted_one_says_why():
    report = "Step 01: 0/1\n  FAIL  /mlflow_lab/penguins.csv exists\n"
    found = {
        "check_connect": {"passed": True, "report": ""},
        "check_data": {"passed": False, "report": report},
    }
    result = confirm(_result(), found)
    assert [t.points for t in result.tests] == [1.0, 0.0]
    assert result.tests[1].reason == f"{NOT_CONFIRMED}: /mlflow_lab/penguins.csv exists"


# -- step 06: the endpoint's answers are the served model's, computed outside the kernel ----
def _stage(root, index: int, uid: str, cls: str, params: dict, data: dict | None = None):
    """One saved stage, laid out as Spark writes it (JSON metadata, one Parquet row)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = root / "stages" / f"{index}_{uid}"
    (folder / "metadata").mkdir(parents=True)
    meta = {"class": f"org.apache.spark.ml.{cls}", "uid": uid, "paramMap": params,
            "defaultParamMap": {"handleInvalid": "error"}}  # fmt: skip
    (folder / "metadata" / "part-00000").write_text(json.dumps(meta))
    if data is not None:
        (folder / "data").mkdir()
        pq.write_table(pa.Table.from_pylist([data]), folder / "data" / "part-00000.parquet")


def _dense(values) -> dict:
    return {"type": 1, "size": None, "indices": None, "values": list(values)}


#: A three-class model: the island's index, then four measures scaled to [0, 1].
WEIGHTS = [[0.0, -4.0, 0.0, 0.0, 0.0], [0.0, 4.0, -4.0, 0.0, 0.0], [4.0, 0.0, 0.0, 0.0, 0.0]]


def _spark_model(folder):
    """The lab's pipeline (indexer, assembler, min-max scaler, assembler, multinomial
    logistic regression) saved in Spark's layout, with known values."""
    root = folder / "sparkml"
    uids = ["StringIndexer_a", "VectorAssembler_b", "MinMaxScaler_c", "VectorAssembler_d",
            "LogisticRegression_e"]  # fmt: skip
    (root / "metadata").mkdir(parents=True)
    (root / "metadata" / "part-00000").write_text(json.dumps({
        "class": "org.apache.spark.ml.PipelineModel", "paramMap": {"stageUids": uids}}))  # fmt: skip
    measures = ["CulmenLength", "CulmenDepth", "FlipperLength", "BodyMass"]
    _stage(root, 0, uids[0], "feature.StringIndexerModel",
           {"inputCol": "Island", "outputCol": "IslandIdx"},
           {"labelsArray": [["Biscoe", "Dream", "Torgersen"]]})  # fmt: skip
    _stage(root, 1, uids[1], "feature.VectorAssembler",
           {"inputCols": measures, "outputCol": "numeric"})  # fmt: skip
    _stage(
        root,
        2,
        uids[2],
        "feature.MinMaxScalerModel",
        {"inputCol": "numeric", "outputCol": "scaled"},
        {"originalMin": _dense([30, 13, 170, 2700]), "originalMax": _dense([60, 22, 230, 6300])},
    )
    _stage(root, 3, uids[3], "feature.VectorAssembler",
           {"inputCols": ["IslandIdx", "scaled"], "outputCol": "Features"})  # fmt: skip
    flat = [w for row in WEIGHTS for w in row]
    matrix = {"type": 1, "numRows": 3, "numCols": 5, "colPtrs": None, "rowIndices": None,
              "values": flat, "isTransposed": True}  # fmt: skip
    _stage(root, 4, uids[4], "classification.LogisticRegressionModel",
           {"featuresCol": "Features"},
           {"numClasses": 3, "numFeatures": 5, "interceptVector": _dense([0.0, 0.0, 0.0]),
            "coefficientMatrix": matrix, "isMultinomial": True})  # fmt: skip
    (folder / "MLmodel").write_text("flavors:\n  spark: {}\n")
    return folder


def _by_hand(penguin) -> float:
    """What :data:`WEIGHTS` predicts, computed without the module under test."""
    island = ["Biscoe", "Dream", "Torgersen"].index(penguin["Island"])
    low, high = [30, 13, 170, 2700], [60, 22, 230, 6300]
    keys = ["CulmenLength", "CulmenDepth", "FlipperLength", "BodyMass"]
    x = [island] + [
        (penguin[k] - lo) / (hi - lo) for k, lo, hi in zip(keys, low, high, strict=True)
    ]
    raw = [sum(w * v for w, v in zip(row, x, strict=True)) for row in WEIGHTS]
    return float(raw.index(max(raw)))


def test_a_saved_spark_pipeline_predicts_without_spark(tmp_path):
    from grader.checks.register_deploy import OTHER_PENGUINS
    from grader.grading.spark_pipeline import UnsupportedModel, load

    predict = load(_spark_model(tmp_path / "model"))
    answers = predict(OTHER_PENGUINS)
    assert answers == [_by_hand(p) for p in OTHER_PENGUINS]
    assert len(set(answers)) > 1  # the model tells penguins apart: the test can fail
    with pytest.raises(UnsupportedModel, match="does not know"):
        predict([{**OTHER_PENGUINS[0], "Island": "Atlantis"}])
    stage = next((tmp_path / "model" / "sparkml" / "stages").glob("4_*")) / "metadata"
    meta = json.loads((stage / "part-00000").read_text())
    (stage / "part-00000").write_text(json.dumps({**meta, "class": "org.apache.spark.ml.X"}))
    with pytest.raises(UnsupportedModel, match="cannot run"):
        load(tmp_path / "model")


def _served(lab_home, tmp_path, experiment=None):
    """A run of the lab's experiment (or a new one named ``experiment``) that logged the model, its
    registered version, a READY endpoint record serving it, and the endpoint's evidence."""
    import mlflow

    from grader.checks.register_deploy import OTHER_PENGUINS
    from grader.lab import reference
    from grader.lab.records import RecordStore

    lab = _lab()
    lab.experiment_id = lab.backend.configure_mlflow(lab.experiment_name)
    if experiment is not None:
        experiment = mlflow.create_experiment(experiment, (tmp_path / experiment).as_uri())
    model = _spark_model(tmp_path / "classifier-1")
    with mlflow.start_run(experiment_id=experiment or lab.experiment_id) as run:
        mlflow.log_artifacts(str(model), "classifier-1")
    version = mlflow.register_model(f"runs:/{run.info.run_id}/classifier-1", lab.model_name)
    RecordStore(lab.backend.home.endpoints).put(reference.ENDPOINT_NAME, {
        "name": reference.ENDPOINT_NAME, "state": "READY", "model_name": lab.model_name,
        "model_version": str(version.version)})  # fmt: skip
    truth = [_by_hand(p) for p in OTHER_PENGUINS]
    sample_truth = [_by_hand(reference.SAMPLE_REQUEST["dataframe_records"][0])]
    _leave(lab_home, "endpoint", {"predictions": sample_truth})
    _leave(lab_home, "endpoint.others", {"answer": truth, "expected": truth})
    return lab


def test_the_endpoints_answers_are_the_served_models_not_answers_written_by_hand(
    lab_home, tmp_path
):
    from grader.checks.register_deploy import OTHER_PENGUINS

    _served(lab_home, tmp_path)
    found = audit("06_register_deploy")["check_endpoint"]
    assert found["passed"], found["report"]

    truth = [_by_hand(p) for p in OTHER_PENGUINS]
    made_up = [0.0 if t else 1.0 for t in truth]  # valid species, each one wrong
    _leave(lab_home, "endpoint.others", {"answer": made_up, "expected": made_up})
    found = audit("06_register_deploy")["check_endpoint"]
    assert not found["passed"]
    assert "FAIL  the endpoint gave the model's predictions" in found["report"]
    result = confirm(
        NotebookResult("06_register_deploy", [Result("check_endpoint", 4.0, 4.0, True)]),
        {"check_endpoint": found},
    )
    assert result.score == 0
    assert result.tests[0].reason.startswith(
        f"{NOT_CONFIRMED}: the endpoint gave the model's predictions: expected ["
    )


def test_a_model_of_another_experiment_serves_nothing_of_yours(lab_home, tmp_path):
    _served(lab_home, tmp_path, experiment="someone-else")
    found = audit("06_register_deploy")["check_endpoint"]
    assert not found["passed"], found["report"]
    assert "FAIL  the version is the model of a run of yours" in found["report"]


def test_a_huge_string_the_audit_quotes_keeps_its_output_small(lab_home):
    """A cluster record whose runtime is 2 MB long, named by evidence: the spec check quotes
    the runtime it found, and the audit's output stays within its caps."""
    from grader.lab.home import LabHome
    from grader.lab.records import RecordStore

    huge = "x" * (2 << 20)
    home = LabHome(lab_home).ensure()
    RecordStore(home.clusters).put("echo-1", {"cluster_id": "echo-1", "cluster_name": "echo",
                                              "state": "RUNNING", "spark_version": huge})  # fmt: skip
    _leave(lab_home, "cluster.spec", {"cluster_id": "echo-1"})
    found = audit("02_cluster")
    output = json.dumps(found).encode()
    assert len(output) < outcomes.MAX_OUTPUT
    assert parse(output, "02_cluster") == found
    report = found["check_cluster_spec"]["report"]
    assert not found["check_cluster_spec"]["passed"]
    assert len(report) == outcomes.MAX_REPORT and "found:    xxxx" in report


@pytest.mark.parametrize("notebook", STEPS)
def test_only_the_steps_that_read_mlflow_load_it(notebook, tmp_path):
    """The audit runs once per graded unit: importing MLflow (with pandas and PySpark's
    Python side) costs it about 1.7 CPU-seconds, which steps 01-03 and 07 (records and
    files only) do not pay."""
    import subprocess
    import sys

    code = (
        "import sys; from grader.grading.outcomes import audit; audit(sys.argv[1]); "
        "print(sorted(m for m in ('mlflow', 'pandas', 'pyspark') if m in sys.modules))"
    )
    env = {"MLFLOW_LAB_HOME": str(tmp_path / "lab"), "HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-c", code, notebook], env=env, capture_output=True, text=True, check=True
    )
    loaded = json.loads(done.stdout.strip().splitlines()[-1].replace("'", '"'))
    if notebook in outcomes.READS_MLFLOW:
        assert "mlflow" in loaded
    else:
        assert loaded == [], loaded
