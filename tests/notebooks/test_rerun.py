"""Running a cell again, or a notebook twice, ends in the same state with no error: every
notebook run twice from the top, as a learner's Run All twice; step 06's register run again
makes a new version and says so, its deploy cell moves the endpoint to that version, and
step 07's clean-up runs again on nothing left to clean."""

from __future__ import annotations

import pytest
from nbclient import NotebookClient

from grader.grading.isolation import processes_of as lab_processes
from grader.lab import serving
from grader.lab.home import LabHome
from grader.lab.records import RecordStore
from grader.lab.steps import STEPS
from tests.notebooks.conftest import SOLUTIONS, nbgrader_meta, read, stdout_of

pytestmark = pytest.mark.slow


def run_again(client: NotebookClient, notebook, grade_ids: tuple[str, ...]) -> dict:
    """Execute the cells with these grade ids once more, in order; the cells by grade id."""
    cells = {}
    for index, cell in enumerate(notebook.cells):
        grade_id = nbgrader_meta(cell).get("grade_id")
        if grade_id in grade_ids:
            client.execute_cell(cell, index)  # raises CellExecutionError on an error
            cells[grade_id] = cell
    return cells


def test_register_and_deploy_run_again_move_the_endpoint(lab_home, tmp_path) -> None:
    notebook = read(SOLUTIONS / "06_register_deploy.ipynb")
    cleanup = read(SOLUTIONS / "07_cleanup.ipynb")
    client = NotebookClient(
        notebook,
        kernel_name="python3",
        timeout=600,
        resources={"metadata": {"path": str(tmp_path)}},
    )
    try:
        client.execute()  # the whole notebook, once
        first = {nbgrader_meta(c).get("grade_id"): c for c in notebook.cells}
        assert "Version 1 is now the latest" in stdout_of(first["register"])
        with client.setup_kernel():  # and the two exercises again, in a fresh kernel
            run_again(client, notebook, ("setup", "parameters"))
            again = run_again(
                client, notebook, ("register", "check_register", "deploy", "check_endpoint")
            )
        said = stdout_of(again["register"])
        assert "Version 2 is now the latest" in said and "moves it to version 2" in said
        endpoints = serving.ServingEndpointsAPI(LabHome(lab_home), _settings())
        [endpoint] = list(endpoints.list())
        assert endpoint.config.served_entities[0].entity_version == "2"

        cleaner = NotebookClient(
            cleanup,
            kernel_name="python3",
            timeout=600,
            resources={"metadata": {"path": str(tmp_path)}},
        )
        with cleaner.setup_kernel():
            for index, cell in enumerate(cleanup.cells):
                cleaner.execute_cell(cell, index)
            run_again(cleaner, cleanup, ("cleanup", "check_cleanup"))  # nothing left: no error
    finally:
        serving.stop_all(LabHome(lab_home))
    assert lab_processes(lab_home) == []


def _settings():
    from grader.config import Settings

    return Settings.from_env()


def test_every_notebook_run_all_twice_from_the_top(lab_home, tmp_path, monkeypatch) -> None:
    """01 to 07 in order, each notebook's cells all run twice in its kernel (JupyterLab's
    Run All, pressed twice): no cell fails either time, and nothing is made twice."""
    monkeypatch.setenv("MLFLOW_LAB_USER", "learner")
    second: dict[str, dict] = {}
    try:
        for step in STEPS:
            notebook = read(SOLUTIONS / f"{step}.ipynb")
            client = NotebookClient(notebook, kernel_name="python3", timeout=600,
                                    resources={"metadata": {"path": str(tmp_path)}})  # fmt: skip
            with client.setup_kernel():
                for _ in range(2):  # raises CellExecutionError, naming the cell, on an error
                    for index, cell in enumerate(notebook.cells):
                        client.execute_cell(cell, index)
            second[step] = {nbgrader_meta(c).get("grade_id"): c for c in notebook.cells}
            if step == "02_cluster":
                clusters = list(RecordStore(LabHome(lab_home).clusters))
                assert [c["cluster_name"] for c in clusters] == ["learner's cluster"], clusters
                assert "Reusing your cluster" in stdout_of(second[step]["create_cluster"])
    finally:
        serving.stop_all(LabHome(lab_home))
    assert "Version 2 is now the latest" in stdout_of(second["06_register_deploy"]["register"])
    assert list(serving.ServingEndpointsAPI(LabHome(lab_home), _settings()).list()) == []
    assert lab_processes(lab_home) == []
