"""papermill's databricks engine on the fake: a run on the cluster, a run that fails, and
step 06 in the learner's own kernel."""

from __future__ import annotations

import re
from datetime import timedelta

import nbformat
import papermill
import pytest
from nbformat.v4 import new_code_cell, new_notebook
from papermill.exceptions import PapermillExecutionError

from grader.exceptions import ResourceNotFound, WorkspaceStateError
from grader.lab import Lab
from grader.lab.databricks.naming import LearnerNames
from grader.lab.lab import NO_MODEL_RUN
from grader.lab.steps import step_of
from grader.run.databricks.notebook_runner import (
    CATALOG_ENV,
    NotebookRunner,
    _for_cluster,
    prepare_on_cluster,
)
from tests.databricks.test_unity_catalog import _backend, _run_with_model


def _notebook(path, *sources: str) -> None:
    parameters = new_code_cell("backend = None\nhome = None", metadata={"tags": ["parameters"]})
    nb = new_notebook(cells=[parameters, *(new_code_cell(s) for s in sources)])
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "language": "python",
        "display_name": "Python 3",
    }
    nbformat.write(nb, path)


def test_the_cluster_is_told_the_backend_and_the_catalog_chosen_here() -> None:
    parameters = new_code_cell("backend = None\nhome = None", metadata={"tags": ["parameters"]})
    nb = new_notebook(cells=[parameters])
    ran: dict = {}
    exec(nbformat.reads(_for_cluster(nb, "teaching"), as_version=4).cells[0].source, ran)
    assert ran["backend"] == "databricks" and ran["os"].environ[CATALOG_ENV] == "teaching"
    assert "os.environ" not in _for_cluster(nb)  # unset here: the metastore's default there
    del ran["os"].environ[CATALOG_ENV]


def test_a_failed_cell_on_the_cluster_is_papermills_error(fake_databricks, tmp_path) -> None:
    source, output = tmp_path / "03_data_prep.ipynb", tmp_path / "out.ipynb"
    _notebook(
        source,
        "import os\nprint('on', os.environ['DATABRICKS_RUNTIME_VERSION'], backend)",
        "raise ValueError('the penguins escaped')",
        "print('not reached')",
    )
    with pytest.raises(PapermillExecutionError) as info:
        papermill.execute_notebook(str(source), str(output), engine_name="databricks",
                                   kernel_name="python3", progress_bar=False)  # fmt: skip
    assert info.value.ename == "ValueError" and "penguins escaped" in info.value.evalue
    assert info.value.source == "raise ValueError('the penguins escaped')"
    cells = {c.source: c for c in nbformat.read(output, as_version=4).cells}
    first = cells["import os\nprint('on', os.environ['DATABRICKS_RUNTIME_VERSION'], backend)"]
    assert first.outputs[0].text == "on 18.0.x databricks\n"  # ran on the cluster, as databricks
    assert cells["print('not reached')"].outputs == []

    submitted = fake_databricks.calls_to("POST", "/api/2.2/jobs/runs/submit")
    task = submitted[0].body["tasks"][0]
    assert task["notebook_task"]["notebook_path"].endswith("/mlflow_lab_notebooks/03_data_prep")
    assert task["libraries"][0]["whl"].endswith("-py3-none-any.whl")
    states = [r["state"].get("result_state") for r in fake_databricks.jobs.runs.values()]
    assert states == ["FAILED", "FAILED"]  # the run and its task run


def test_a_run_that_cannot_start_names_the_run_and_its_state(fake_databricks, tmp_path) -> None:
    source = tmp_path / "04_mlflow_run.ipynb"
    _notebook(source, "print('never runs')")
    fake_databricks.jobs.lose_cluster_next_run = True
    with pytest.raises(WorkspaceStateError) as info:
        papermill.execute_notebook(str(source), str(tmp_path / "out.ipynb"),
                                   engine_name="databricks", progress_bar=False)  # fmt: skip
    message = str(info.value)
    assert re.match(
        r"Run \d+ of 04_mlflow_run is INTERNAL_ERROR: Cluster \S+ is TERMINATED", message
    )


#: Step 06 as the engine meets it, cut to what this test is about: the setup cell, the
#: registration and its check, the deployment (whose model server the fake holds back).
SETUP_06 = """from grader.lab import Lab
lab = Lab.setup("06_register_deploy", backend=backend, home=home)
import os, mlflow
w = lab.workspace
print("on the cluster:", "DATABRICKS_RUNTIME_VERSION" in os.environ)"""
REGISTER_06 = """model_version = mlflow.register_model(lab.latest_model_run()[1], lab.model_name)
lab.check("register")"""
DEPLOY_06 = """from grader.exceptions import WorkspaceStateError
from grader.lab import reference
config = reference.endpoint_config(model_version.version, lab.model_name)
try:
    w.serving_endpoints.create_and_wait("predict-penguin", config=config)
except WorkspaceStateError as exc:
    print(exc)"""


def test_step_06_runs_in_your_kernel_and_a_rerun_moves_the_endpoint(
    fake_databricks, tmp_path
) -> None:
    """06 needs no Spark: no cluster job (which would bill the cluster while the endpoint
    starts). Its setup signs the latest run's model for Unity Catalog from the kernel; run
    again, it registers version 2 and moves the endpoint to it with update_config."""
    _run_with_model(_backend(tmp_path), tmp_path)  # as 05 leaves it: a model, unsigned
    source = tmp_path / "06_register_deploy.ipynb"
    _notebook(source, SETUP_06, REGISTER_06, DEPLOY_06)
    for attempt in (1, 2):
        fake_databricks.serving.fail_next_update = f"deployment {attempt} held back"
        output = tmp_path / f"out-{attempt}.ipynb"
        papermill.execute_notebook(str(source), str(output), engine_name="databricks",
                                   kernel_name="python3", progress_bar=False)  # fmt: skip
        printed = [o.get("text", "") for c in nbformat.read(output, as_version=4).cells
                   for o in c.get("outputs", [])]  # fmt: skip
        assert "on the cluster: False\n" in printed
        assert any(f"deployment {attempt} held back" in p for p in printed)

    fake = fake_databricks
    assert not fake.calls_to("POST", "/api/2.2/jobs/runs/submit")
    jane = LearnerNames("jane.doe@example.com", "Jane Doe")
    [create] = fake.calls_to("POST", "/api/2.0/serving-endpoints")
    assert create.body["name"] == jane.endpoint and "runtime/" not in create.user_agent
    [update] = fake.calls_to("PUT", f"/api/2.0/serving-endpoints/{jane.endpoint}/config")
    [entity] = update.body["served_entities"]
    assert (entity["entity_version"], entity["name"]) == ("2", "penguin_predictor-2")
    versions = fake.calls_to("POST", ".*/unity-catalog/model-versions/create")
    assert [v.body["name"] for v in versions] == [jane.uc_model("main")] * 2


def test_06_alone_has_its_model_trained_on_the_cluster_first(
    fake_databricks, tmp_path, monkeypatch
) -> None:
    """Without a run with a model, 06's kernel cannot train one (no Spark there): its setup
    says what to run, and the engine first runs 06's setup cell on the cluster, once."""
    with pytest.raises(ResourceNotFound, match="no finished run with a logged model"):
        Lab.setup("06_register_deploy")
    assert "step 05 (05_function)" in NO_MODEL_RUN
    on_cluster: list = []
    monkeypatch.setattr(NotebookRunner, "execute", lambda runner, nb: on_cluster.append(nb))
    prepare_on_cluster("06_register_deploy", timeout=timedelta(minutes=5))
    [nb] = on_cluster
    assert step_of(nb) == "06_register_deploy" and len(nb.cells) == 2  # parameters, setup
    _run_with_model(_backend(tmp_path), tmp_path)
    prepare_on_cluster("06_register_deploy", timeout=timedelta(minutes=5))
    assert len(on_cluster) == 1  # a run with a model is there: nothing to train
