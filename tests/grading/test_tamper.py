"""The tamper scan reads cells as IPython runs them, and finds what reaches into the grader
or into IPython's machinery, with no false alarm on the course's own work."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from grader.grading.tamper import scan_notebook
from tests.grading.make_submissions import STEPS, learner_notebook


def _scan(tmp_path: Path, *sources: str) -> list[str]:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    path = tmp_path / "nb.ipynb"
    nbformat.write(nb, path)
    return scan_notebook(path)


@pytest.mark.parametrize("step", STEPS)
def test_the_courses_own_solutions_raise_no_alarm(tmp_path, step):
    path = tmp_path / f"{step}.ipynb"
    nbformat.write(learner_notebook(step), path)
    assert scan_notebook(path) == []


@pytest.mark.parametrize(
    "code",
    [
        "x = 1\n%time y = 2\n!ls\nfiles = !ls\nprint(x)",
        "%%time\nz = sum(range(10))",
        "%pip install palmerpenguins",
        "from IPython.display import display\ndisplay(1)",
        "def f(a):\n    return a",
    ],
)
def test_ordinary_ipython_raises_no_alarm(tmp_path, code):
    assert _scan(tmp_path, code) == []


@pytest.mark.parametrize(
    "code, finding",
    [
        ("!true\nlab.check = lambda name: None", "replaces lab.check"),
        (
            "def to_pass(lines):\n    return ['pass\\n']\n"
            "get_ipython().input_transformers_post.append(to_pass)",
            "reaches into .input_transformers_post",
        ),
        ("ip = get_ipython()\nip.events.register('pre_run_cell', print)", "uses get_ipython()"),
        ("get_ipython().ast_transformers.append(object())", "reaches into .ast_transformers"),
        (
            "import sys\nsys.modules['grader.checks'] = None",
            "replaces sys.modules['grader.checks']",
        ),
        ("import sys as s\ns.modules.update({})", "reaches into .modules"),
        ("__builtins__.print = None", "reaches into __builtins__"),
        ("import builtins", "imports builtins"),
        ("for lab in [1]:\n    pass", "rebinds lab"),
        ("(lab := 3)", "rebinds lab"),
        ("def lab():\n    pass", "rebinds lab"),
        ("import os as lab", "rebinds lab"),
        ("import grader.checks.provision as p\np.data = None", "imports grader.checks"),
        ("import sys\nsys.excepthook = print", "replaces sys.excepthook"),
        ("import sys\nsys.displayhook = print", "replaces sys.displayhook"),
        ("get_ipython().set_custom_exc((Exception,), print)", "reaches into .set_custom_exc"),
        ("globals()['lab'] = None", "calls globals()"),
        ("%run planted.py", "uses the magic %run"),
        ("%load_ext planted", "uses the magic %load_ext"),
        ("%config InteractiveShell.ast_node_interactivity = 'none'", "uses the magic %config"),
        ("import planted_module_of_mine", "imports planted_module_of_mine, which is no installed"),
        ("this is not python at all (", "a cell that is not Python, even as IPython reads it"),
    ],
)
def test_each_way_into_the_grader_is_found(tmp_path, code, finding):
    found = _scan(tmp_path, code)
    assert any(finding in f for f in found), found


def test_a_finding_names_its_cell(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("lab.check = print", id="sneaky")]
    nbformat.write(nb, tmp_path / "nb.ipynb")
    assert scan_notebook(tmp_path / "nb.ipynb") == ["replaces lab.check (cell 'sneaky')"]


def test_locked_and_test_cells_are_not_the_learners(tmp_path):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("lab = None")
    cell.metadata["nbgrader"] = {"locked": True}
    nb.cells = [cell]
    nbformat.write(nb, tmp_path / "nb.ipynb")
    assert scan_notebook(tmp_path / "nb.ipynb") == []
