"""The ``grader`` command's option parsing (no grading here; see tests/grading)."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from grader.cli import _workers


@pytest.mark.parametrize(("raw", "workers"), [("auto", None), ("1", 1), ("4", 4)])
def test_workers_is_auto_or_a_count(raw: str, workers: int | None) -> None:
    assert _workers(raw) == workers


@pytest.mark.parametrize("raw", ["0", "-2", "two", ""])
def test_bad_workers_says_what_to_give(raw: str) -> None:
    with pytest.raises(click.BadParameter, match="whole number of at least 1, or 'auto'"):
        _workers(raw)


def test_the_admin_tools_are_grader_commands_and_modules() -> None:
    """``grader cleanup`` and ``grader provision azure``, and the same through ``python -m``."""
    import subprocess
    import sys

    from click.testing import CliRunner

    from grader.cli import main

    assert "--everything" in CliRunner().invoke(main, ["cleanup", "--help"]).output
    assert "--subscription" in CliRunner().invoke(main, ["provision", "azure", "--help"]).output
    for module, option in (
        ("grader.admin.cleanup", "--everything"),
        ("grader.admin.azure", "--region"),
    ):
        shown = subprocess.run(
            [sys.executable, "-m", module, "--help"], capture_output=True, text=True, check=True
        )
        assert option in shown.stdout


def test_the_course_runs_on_a_backend_it_knows() -> None:
    from click.testing import CliRunner

    from grader.cli import main

    refused = CliRunner().invoke(main, ["course", "--backend", "azure"])
    assert refused.exit_code == 2 and "'local', 'databricks'" in refused.output


def _autograde(args: list[str]):
    from click.testing import CliRunner

    from grader.cli import main

    return CliRunner().invoke(main, ["autograde", *args])


def test_autograde_outside_the_checkout_says_how_to_point_at_the_course(tmp_path, monkeypatch):
    """Installed with pip and run elsewhere: the error names --course DIR, nothing graded."""
    import grader.paths

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(grader.paths, "__file__", str(tmp_path / "site/grader/paths.py"))
    (tmp_path / "subs").mkdir()
    result = _autograde(["subs", "--out", "graded"])
    assert result.exit_code == 1
    assert "grader autograde --course DIR" in " ".join(result.output.split())
    assert not (tmp_path / "graded").exists()


def test_autograde_course_option_must_hold_the_solutions(tmp_path):
    (tmp_path / "subs").mkdir()
    subs, out = str(tmp_path / "subs"), str(tmp_path / "graded")
    result = _autograde([subs, "--out", out, "--course", str(tmp_path)])
    assert result.exit_code == 1
    assert "no solutions/mlflow_lab folder there" in " ".join(result.output.split())


def test_autograde_finds_the_course_named_by_course(tmp_path, monkeypatch):
    """--course DIR hands DIR's solutions to the batch; skipped units are one line."""
    import grader.paths
    from grader.grading import autograde as batch_grading
    from grader.grading.results import NotebookResult
    from grader.grading.unit import Unit
    from tests.notebooks.conftest import REPO

    seen = {}

    def graded(**kwargs):
        seen["solutions"] = kwargs["solutions"]
        batch = batch_grading.Batch(out=kwargs["out"], skipped=3)
        for student in ("ann", "bob", "cy"):  # a resumed batch: all already graded
            kwargs["on_unit"](Unit(student, "01_provision", None), NotebookResult("01"), True)
        return batch

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(grader.paths, "__file__", str(tmp_path / "site/grader/paths.py"))
    monkeypatch.setattr(batch_grading, "autograde", graded)
    (tmp_path / "subs").mkdir()
    result = _autograde(["subs", "--out", "graded", "--course", str(REPO), "--unsafe"])
    assert result.exit_code == 0, result.output
    assert seen["solutions"] == REPO / "solutions" / "mlflow_lab"
    lines = [line for line in result.output.splitlines() if "skipped" in line]
    assert len([line for line in lines if "already graded" in line]) == 1, result.output
    assert "3 units already graded were skipped" in result.output


def test_a_resumed_batch_makes_only_the_states_its_units_need():
    from grader.grading.autograde import states_needed
    from grader.grading.unit import Unit

    todo = [
        Unit("ann", "07_cleanup", Path("07.ipynb")),
        Unit("bob", "01_provision", Path("01.ipynb")),
        Unit("cy", "03_data_prep", Path("03.ipynb")),
        Unit("dee", "06_register_deploy", None),  # not handed in: graded as missing
    ]
    assert states_needed(todo) == ("03_data_prep", "07_cleanup")
    assert states_needed([Unit("bob", "01_provision", Path("01.ipynb"))]) == ()
