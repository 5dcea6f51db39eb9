"""papermill's databricks engine on the fake: a run on the cluster, and a run that fails."""

from __future__ import annotations

import re

import nbformat
import papermill
import pytest
from nbformat.v4 import new_code_cell, new_notebook
from papermill.exceptions import PapermillExecutionError

from grader.exceptions import WorkspaceStateError
from grader.run.databricks.notebook_runner import CATALOG_ENV, _for_cluster


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
