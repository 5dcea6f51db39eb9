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
