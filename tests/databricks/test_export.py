"""An exported run (HTML with the notebook model) back into Jupyter outputs."""

from __future__ import annotations

import copy

import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from papermill.exceptions import PapermillExecutionError
from papermill.execute import raise_for_execution_errors

from grader.exceptions import WorkspaceStateError
from grader.run.databricks.export import apply_model, notebook_model
from tests.databricks.fake.jobs import notebook_model_html


def _executed():
    nb = new_notebook(cells=[
        new_markdown_cell("# Step"),
        new_code_cell("print('hi')", execution_count=1,
                      outputs=[new_output("stream", name="stdout", text="hi\n")]),
        new_code_cell("display(df)", execution_count=2,
                      outputs=[new_output("display_data", data={"text/html": "<table/>"})]),
        new_code_cell("1 / 0", execution_count=3, outputs=[new_output(
            "error", ename="ZeroDivisionError", evalue="division by zero",
            traceback=["Traceback...", "ZeroDivisionError: division by zero"])]),
        new_code_cell("print('never')"),
    ])  # fmt: skip
    return nb


def test_outputs_and_the_failed_cell_come_back(tmp_path) -> None:
    executed = _executed()
    fresh = copy.deepcopy(executed)
    for cell in fresh.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    ran = apply_model(fresh, notebook_model(notebook_model_html("03_data_prep", executed)))
    assert ran == 3
    assert fresh.cells[1].outputs[0].text == "hi\n"
    assert fresh.cells[2].outputs[0].data == {"text/html": "<table/>"}
    assert fresh.cells[4].outputs == [] and fresh.cells[4].execution_count is None
    with pytest.raises(PapermillExecutionError) as info:
        # papermill writes the notebook with its error banner to this path
        raise_for_execution_errors(fresh, str(tmp_path / "out.ipynb"))
    assert info.value.ename == "ZeroDivisionError" and info.value.source == "1 / 0"
    assert info.value.exec_count == 3


def test_a_page_without_a_notebook_model_is_refused() -> None:
    with pytest.raises(WorkspaceStateError, match="no notebook model"):
        notebook_model("<html><body>Dashboard</body></html>")


def test_a_notebook_changed_while_it_ran_is_refused() -> None:
    executed = _executed()
    model = notebook_model(notebook_model_html("x", executed))
    executed.cells.append(new_code_cell("extra"))
    with pytest.raises(WorkspaceStateError, match="5 cells, the notebook 6"):
        apply_model(executed, model)


def test_rich_outputs_stay_rich() -> None:
    """HTML, images and tables come back as mime bundles, not flattened to text."""
    png = "iVBORw0KGgo="
    executed = new_notebook(cells=[
        new_code_cell("plots.show(fig)", execution_count=1, outputs=[new_output(
            "display_data", data={"image/png": png, "text/plain": "<Figure>"})]),
        new_code_cell("df", execution_count=2, outputs=[new_output(
            "execute_result", execution_count=2,
            data={"text/html": "<table><tr><td>Adelie</td></tr></table>",
                  "text/plain": "  Species\n0  Adelie"})]),
    ])  # fmt: skip
    model = notebook_model(notebook_model_html("04_mlflow_run", executed))
    fresh = copy.deepcopy(executed)
    apply_model(fresh, model)
    assert fresh.cells[0].outputs[0].data == {"image/png": png, "text/plain": "<Figure>"}
    assert fresh.cells[1].outputs[0].data["text/html"].startswith("<table>")
    assert fresh.cells[1].outputs[0].data["text/plain"] == "  Species\n0  Adelie"


def test_a_display_table_becomes_an_html_table() -> None:
    nb = new_notebook(cells=[new_code_cell("display(df)")])
    table = {"type": "table", "schema": [{"name": "Island", "type": "\"string\""},
                                         {"name": "BodyMass", "type": "\"long\""}],
             "data": [["Biscoe", 4450], ["Dream<", 3500]]}  # fmt: skip
    command = {"position": 0, "state": "finished", "results": table}
    apply_model(nb, {"commands": [command]})
    data = nb.cells[0].outputs[0].data
    assert "<th>Island</th><th>BodyMass</th>" in data["text/html"]
    assert "<td>Dream&lt;</td><td>3500</td>" in data["text/html"]
    assert data["text/plain"].splitlines() == ["Island\tBodyMass", "Biscoe\t4450", "Dream<\t3500"]


# The shapes below are those of the runs Databricks exported with jobs/runs/export into
# databricks-demos/dbdemos (dbdemos/bundles/*/install_package/*.html, commit 5dae0fa) and
# of the failed cells Databricks' own ai_release/jobs.py reads there (commit 02f30ec).
PNG = "iVBORw0KGgoAAAANSUhEUgAAAAE="


def test_the_results_of_an_exported_job_run() -> None:
    """ansi items keep their stream, mimeBundle items every MIME type, an image's data URL
    becomes bare base64, htmlSandbox is HTML, a table keeps its schema's names."""
    nb = new_notebook(cells=[new_markdown_cell("# Step"), new_code_cell("x"),
                             new_code_cell("display(df)")])  # fmt: skip
    listed = {"type": "listResults", "arguments": {}, "data": [
        {"type": "ansi", "data": "using catalog `main`\n", "name": "stdout", "metadata": {}},
        {"type": "ansi", "data": "\x1b[0;31mWARNING\x1b[0m slow\n", "name": "stderr"},
        {"type": "mimeBundle", "executionCount": None, "metadata": {},
         "data": {"text/plain": "<Figure>", "image/png": PNG}},
        {"type": "image", "data": f"data:image/png;base64,{PNG}", "arguments": {}},
        {"type": "htmlSandbox", "data": "<div>plotly</div>"},
    ]}  # fmt: skip
    table = {"type": "table", "data": [["dbdemos"]], "overflow": False, "aggData": [],
             "schema": [{"name": "current_catalog()", "type": "\"string\"",
                         "metadata": "{\"__autoGeneratedAlias\":\"true\"}"}]}  # fmt: skip
    model = {"commands": [
        {"position": 1.0, "command": "%md\n# Step", "state": "finished", "results": None},
        {"position": 2.0, "command": "x", "state": "finished", "results": listed},
        {"position": 3.0, "command": "display(df)", "state": "finished", "results": table},
    ]}  # fmt: skip
    assert apply_model(nb, model) == 2
    out, err, bundle, image, sandbox = nb.cells[1].outputs
    assert (out.name, out.text) == ("stdout", "using catalog `main`\n")
    assert (err.name, err.text) == ("stderr", "WARNING slow\n")
    assert bundle.data == {"text/plain": "<Figure>", "image/png": PNG}
    assert image.data == {"image/png": PNG}
    assert sandbox.data == {"text/html": "<div>plotly</div>"}
    assert "<th>current_catalog()</th>" in nb.cells[2].outputs[0].data["text/html"]


def test_a_failed_job_run_names_its_cell_and_skips_the_rest(tmp_path) -> None:
    """The errorSummary is HTML, the error the ANSI traceback; the cells after it are
    error with errorSummary "Command skipped" and did not run."""
    nb = new_notebook(cells=[new_code_cell("print(1)"), new_code_cell("is_folder_empty()"),
                             new_code_cell("print(2)")])  # fmt: skip
    trace = ("\x1b[0;31m----\x1b[0m\n\x1b[0;31mNameError\x1b[0m  Traceback (most recent call "
             "last)\n\x1b[0;31mNameError\x1b[0m: name 'is_folder_empty' is not defined")  # fmt: skip
    model = {"commands": [
        {"position": 0, "state": "finished", "results": {
            "type": "listResults", "data": [{"type": "ansi", "data": "1\n", "name": "stdout"}]}},
        {"position": 1, "state": "error", "results": None, "errorTraceType": "ansi",
         "errorSummary": "<span class='ansi-red-fg'>NameError</span>: name 'is_folder_empty' "
                         "is not defined", "error": trace},
        {"position": 2, "state": "error", "errorSummary": "Command skipped", "error": None,
         "results": {"type": "raw", "data": "Command skipped", "arguments": {}}},
    ]}  # fmt: skip
    assert apply_model(nb, model) == 2
    assert nb.cells[2].outputs == [] and nb.cells[2].execution_count is None
    with pytest.raises(PapermillExecutionError) as info:
        raise_for_execution_errors(nb, str(tmp_path / "out.ipynb"))
    assert info.value.ename == "NameError"
    assert info.value.evalue == "name 'is_folder_empty' is not defined"
    assert info.value.source == "is_folder_empty()" and info.value.exec_count == 2


def test_a_run_cell_whose_notebook_raised_fails() -> None:
    """A %run cell whose notebook raised is finished with an errorSummary: it failed."""
    nb = new_notebook(cells=[new_code_cell("%run ./00-setup")])
    command = {"position": 0, "state": "finished", "results": None,
               "errorSummary": "<span class='ansi-red-fg'>NameError</span>: name 'x' is not "
                               "defined", "error": "NameError: name 'x' is not defined"}  # fmt: skip
    apply_model(nb, {"commands": [command]})
    assert nb.cells[0].outputs[-1].ename == "NameError"
    assert nb.cells[0].metadata["papermill"]["exception"] is True
