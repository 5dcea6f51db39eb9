"""The nbval plugin's own rules, on tiny notebooks (a plain kernel, no Spark)."""

from __future__ import annotations

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from tests.notebooks.conftest import REPO

pytestmark = pytest.mark.slow  # each starts pytest and a kernel


def _notebook(path, *cells):
    nb = new_notebook(cells=list(cells))
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)


def _run(pytester, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(REPO))
    return pytester.runpytest_subprocess(
        "-p", "tests.notebooks.nbval_lab", "-p", "no:cacheprovider", "--nbval-lax",
        "-c", "/dev/null", "--rootdir", str(pytester.path), str(pytester.path),
    )  # fmt: skip


def test_a_graded_cell_writing_to_stderr_fails(pytester, monkeypatch):
    graded = new_code_cell("import sys; print('a warning', file=sys.stderr)")
    graded.metadata.nbgrader = {"grade": True, "grade_id": "check", "points": 1}
    _notebook(pytester.path / "step.ipynb", new_code_cell("x = 1"), graded)
    result = _run(pytester, monkeypatch)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*graded test cell wrote to stderr*", "*a warning*"])


def test_each_notebook_has_its_own_lab_home_and_a_checked_print_out(pytester, monkeypatch):
    """The lab home is set before the kernel starts; only what a checked cell prints counts."""
    show = new_code_cell("import os; print(os.environ['MLFLOW_LAB_HOME'].split('/')[-2][:9]); 42")
    show.metadata.tags = ["nbval-check-output"]
    show.execution_count = 1
    show.outputs = [nbformat.v4.new_output("stream", name="stdout", text="nbval-one\n")]
    _notebook(pytester.path / "one.ipynb", show)
    result = _run(pytester, monkeypatch)
    result.assert_outcomes(passed=1)  # the 42 (an execute_result) is not compared
    show.outputs[0]["text"] = "nbval-two\n"
    _notebook(pytester.path / "one.ipynb", show)
    _run(pytester, monkeypatch).assert_outcomes(failed=1)


def test_what_a_notebook_writes_to_its_working_folder_stays_out_of_the_checkout(
    pytester, monkeypatch
):
    """Step 04's solution saves a model copy to ``model/`` under its working folder, as the
    lab does: under nbval that folder is the notebook's temporary one, never ``solutions/``.
    And the session's own lab home is back once the notebook is done."""
    write = new_code_cell(
        "import pathlib; pathlib.Path('model').mkdir(); print(pathlib.Path.cwd())"
    )
    _notebook(pytester.path / "a_writer.ipynb", write)
    check = pytester.path / "test_after.py"
    check.write_text(
        "import os\n\ndef test_home_is_back():\n"
        "    assert os.environ['MLFLOW_LAB_HOME'] == '/the/session/home'\n"
    )
    monkeypatch.setenv("MLFLOW_LAB_HOME", "/the/session/home")
    _run(pytester, monkeypatch).assert_outcomes(passed=2)
    assert not (pytester.path / "model").exists()
