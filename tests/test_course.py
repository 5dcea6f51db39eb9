"""The main job: the README's course command, end to end, on the local backend."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.grading.isolation import processes_of as lab_processes

pytestmark = pytest.mark.slow


def test_course_runs_in_sequence_and_leaves_nothing(tmp_path):
    out = tmp_path / "course"
    result = CliRunner().invoke(main, ["course", "--out", str(out)])
    assert result.exit_code == 0, result.output
    for step in ("01_provision", "07_cleanup"):
        assert (out / f"{step}.ipynb").exists()
    assert "Penguin Predictor v1" in result.output
    assert "answered the lab's penguin with: [" in result.output
    assert "Cleanup: done" in result.output
    # Steps 04 and 05 log their run's confusion matrix as an image artifact.
    images = list((out / "lab-home" / "artifacts").glob("*/artifacts/confusion_matrix.png"))
    assert len(images) == 2, images
    assert lab_processes(out / "lab-home") == []


def test_a_failing_cell_names_notebook_and_cell(tmp_path):
    notebooks = tmp_path / "nbs"
    notebooks.mkdir()
    broken = (
        '{"cells": [{"cell_type": "code", "execution_count": null, "id": "boom", "metadata": {},'
        ' "outputs": [], "source": "1/0"}], "metadata": {"kernelspec": {"name": "python3",'
        ' "display_name": "Python 3", "language": "python"}}, "nbformat": 4, "nbformat_minor": 5}'
    )
    (notebooks / "01_provision.ipynb").write_text(broken)
    result = CliRunner().invoke(
        main,
        [
            "course",
            "--notebooks",
            str(notebooks),
            "--out",
            str(tmp_path / "out"),
            "--only",
            "01_provision",
        ],
    )
    assert result.exit_code == 1
    assert "01_provision.ipynb: cell 'boom' (1/0)" in result.output
    assert "ZeroDivisionError" in result.output


def test_a_failure_stops_the_next_notebooks_warm_kernel(tmp_path):
    """Notebook 02's kernel is started while 01 runs; 01 fails, so 02 never runs and its
    kernel is shut down with nothing left behind."""
    import nbformat
    import psutil

    notebooks = tmp_path / "nbs"
    notebooks.mkdir()
    for name, source in (("01_provision", "1/0"), ("02_cluster", "print('ran')")):
        notebook = nbformat.v4.new_notebook()
        notebook.cells = [nbformat.v4.new_code_cell(source)]
        notebook.metadata["kernelspec"] = {
            "name": "python3",
            "display_name": "Python 3",
            "language": "python",
        }
        nbformat.write(notebook, notebooks / f"{name}.ipynb")
    out = tmp_path / "out"
    before = set(psutil.Process().children(recursive=True))  # e.g. an earlier test's Spark
    args = ["course", "--notebooks", str(notebooks), "--out", str(out)]
    result = CliRunner().invoke(main, [*args, "--only", "01_provision", "--only", "02_cluster"])
    assert result.exit_code == 1
    assert "01_provision.ipynb: cell" in result.output and "ZeroDivisionError" in result.output
    assert not (out / "02_cluster.ipynb").exists()
    assert set(psutil.Process().children(recursive=True)) - before == set()


def test_each_kernel_is_warm_before_its_first_cell(tmp_path):
    """The warm-up runs, silently, before the notebook: its first cell finds the lab imported
    and is still execution 1."""
    import nbformat

    notebooks = tmp_path / "nbs"
    notebooks.mkdir()
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell("import sys\nprint('grader.lab.lab' in sys.modules)")
    ]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}  # fmt: skip
    nbformat.write(notebook, notebooks / "01_provision.ipynb")
    out = tmp_path / "out"
    args = ["course", "--notebooks", str(notebooks), "--out", str(out), "--only", "01_provision"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    ran = nbformat.read(out / "01_provision.ipynb", as_version=4).cells
    # papermill adds the (empty) parameters cell first: execution 1
    assert [c.execution_count for c in ran if c.cell_type == "code"] == [1, 2]
    assert ran[-1].outputs[0]["text"].strip() == "True"


def test_the_start_page_comes_first_in_both_editions_with_nothing_to_grade():
    """00_start: what the course teaches, the order and time of each step, the MLflow UI and
    what to do when stuck; no code to run, no self-check, no points."""
    import json

    from grader.lab.steps import START, STEPS
    from tests.notebooks.conftest import SOLUTIONS

    notebook = json.loads((SOLUTIONS / f"{START}.ipynb").read_text(encoding="utf-8"))
    assert {c["cell_type"] for c in notebook["cells"]} == {"markdown"}
    text = "".join("".join(c["source"]) for c in notebook["cells"])
    for step in STEPS:
        assert f"`{step}`" in text and text.index(f"`{step}`") > 0
    assert [text.index(f"`{s}`") for s in STEPS] == sorted(text.index(f"`{s}`") for s in STEPS)
    assert "grader mlflow-ui" in text and "python3 -m nox -s mlflow-ui" in text
    assert "When you are stuck" in text and " min" in text
    korean = (SOLUTIONS / "i18n" / "ko" / f"{START}.md").read_text(encoding="utf-8")
    assert "막혔을 때" in korean and "한국어판" in korean
    assert all(f"`{step}`" in korean for step in STEPS)
    readme = (SOLUTIONS.parents[1] / "README.md").read_text(encoding="utf-8")
    assert f"| `{START}` |" in readme
