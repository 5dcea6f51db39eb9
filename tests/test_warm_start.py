"""The warm-kernel runner reaches nbclient through papermill's own engine: a kernel manager
class (nbclient's ``kernel_manager_class`` traitlet) passed as an engine keyword argument.
No papermill code is copied and no nbclient method rebound; if an upgrade of either stops
handing the class on, the kernel below is not warm and this test fails by name.

The course-sized proof (each notebook's kernel warm before its first cell) is
tests/test_course.py::test_each_kernel_is_warm_before_its_first_cell (slow).
"""

from __future__ import annotations

import io
import sys

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

from grader.run import warm_start
from grader.run.notebook_run import execute_notebook


def _run(tmp_path, monkeypatch, answer: str, capsys):
    source, output = tmp_path / "in.ipynb", tmp_path / "out.ipynb"
    nb = new_notebook(cells=[new_code_cell("print(_warmed)")])
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, source)
    monkeypatch.setattr(sys, "stdin", io.StringIO(answer))
    failure = execute_notebook(
        source, output, parameters={}, engine="nbclient", kernel="python3", cell_timeout=60,
        kernel_manager_class=warm_start.warm_kernel_manager("_warmed = 'warm' + '!'"),
    )  # fmt: skip
    return failure, output, capsys.readouterr().out


def test_papermill_hands_the_warm_kernel_manager_to_nbclient(tmp_path, monkeypatch, capsys):
    failure, output, said = _run(tmp_path, monkeypatch, warm_start.GO + "\n", capsys)

    assert failure == {}
    assert said.splitlines()[0] == warm_start.READY  # said before any cell ran
    (cell,) = nbformat.read(output, as_version=4).cells[-1:]
    assert cell.outputs[0]["text"] == "warm!\n"  # the warm-up ran in this kernel...
    assert cell.execution_count == 1  # ...silently: the learner's first cell is still [1]


def test_a_notebook_whose_turn_never_comes_runs_no_cell(tmp_path, monkeypatch, capsys):
    """The course stopped (stdin closed before ``go``): the child exits, nothing executed."""
    try:
        _run(tmp_path, monkeypatch, "", capsys)
    except SystemExit as stop:
        assert stop.code == 0
    else:
        raise AssertionError("the notebook ran without its go")
    output = tmp_path / "out.ipynb"
    if output.exists():  # papermill writes the parameterized copy before executing
        assert all(c.get("execution_count") is None for c in nbformat.read(output, 4).cells)
