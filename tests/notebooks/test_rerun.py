"""Running a cell again, or a notebook twice, ends in the same state with no error: step 06's
register run again makes a new version and says so, its deploy cell moves the endpoint to
that version, and step 07's clean-up runs again on nothing left to clean."""

from __future__ import annotations

import pytest
from nbclient import NotebookClient

from grader.grading.isolation import processes_of as lab_processes
from grader.lab import serving
from grader.lab.home import LabHome
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
