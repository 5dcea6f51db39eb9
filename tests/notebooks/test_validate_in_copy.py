"""nbgrader's Validate, configured as ``grader lab`` configures it, runs a notebook in a
throwaway copy of the learner's lab home: a mistaken 01 does not delete the learner's data
file, and 06 registers no version and leaves no model server in the learner's lab."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
import pytest

from grader.grading.isolation import processes_of
from grader.grading.validation import PREFIX
from grader.jupyter import prepare_lab
from tests.notebooks.conftest import COURSE, SOLUTIONS, nbgrader_meta, read

pytestmark = pytest.mark.slow

#: A learner's 01 that empties the folder and uploads the data under a wrong name.
MISTAKEN_UPLOAD = """\
if w.dbfs.exists("/mlflow_lab"):
    w.dbfs.delete("/mlflow_lab", recursive=True)
w.dbfs.mkdirs("/mlflow_lab")
w.dbfs.upload("/mlflow_lab/penguin.csv", io.BytesIO(penguins_csv()), overwrite=True)
"""


def validate(notebook: Path, repo: Path, monkeypatch) -> dict:
    """What the Validate button does (nbgrader's ValidateAssignmentHandler), with the lab's
    nbgrader configuration from ``grader lab``."""
    from nbgrader.apps import NbGrader
    from nbgrader.validator import Validator

    env = prepare_lab(repo, "en", repo / "course")
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", env["JUPYTER_CONFIG_DIR"])
    app = NbGrader()
    app.config_file_paths.append([env["JUPYTER_CONFIG_DIR"]])
    app.load_config_file()
    return Validator(config=app.config).validate(str(notebook))


def copies() -> list[Path]:
    return list(Path(tempfile.gettempdir()).glob(f"{PREFIX}{os.getpid()}-*"))


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "course").mkdir()
    shutil.copytree(COURSE, tmp_path / "course" / "mlflow_lab")
    return tmp_path


def test_validating_a_mistaken_01_leaves_the_learners_data_file(lab_home, repo, monkeypatch):
    data = lab_home / "dbfs" / "mlflow_lab" / "penguins.csv"
    data.parent.mkdir(parents=True)
    data.write_bytes(b"species,island\nAdelie,Torgersen\n")
    notebook = read(SOLUTIONS / "01_provision.ipynb")
    for cell in notebook.cells:
        if nbgrader_meta(cell).get("grade_id") == "upload":
            cell.source = "import io\n\nfrom grader.lab.dataset import penguins_csv\n\n"
            cell.source += MISTAKEN_UPLOAD
    path = repo / "course" / "mlflow_lab" / "01_provision.ipynb"
    nbformat.write(notebook, path)

    result = validate(path, repo, monkeypatch)

    assert data.read_bytes() == b"species,island\nAdelie,Torgersen\n"
    assert not (lab_home / "dbfs" / "mlflow_lab" / "penguin.csv").exists()
    # The copy held no earlier penguins.csv under the wrong name's shadow: the check failed.
    [failed] = result["failed"]
    assert 'lab.check("provision.data")' in failed["source"]
    assert copies() == []


def _model_versions(home: Path) -> int:
    with sqlite3.connect(home / "mlflow.db") as db:
        (count,) = db.execute("SELECT count(*) FROM model_versions").fetchone()
    db.close()
    return count


def test_validating_06_registers_nothing_and_leaves_no_server(lab_home, repo, monkeypatch):
    # The learner's lab as step 06 finds it: a trained, logged model (step 04's run).
    subprocess.run(
        [sys.executable, "-c", "from grader.lab import Lab; Lab.setup('06_register_deploy')"],
        check=True,
        timeout=900,
        cwd=repo,
    )
    before = _model_versions(lab_home)
    path = repo / "course" / "mlflow_lab" / "06_register_deploy.ipynb"
    shutil.copy(SOLUTIONS / "06_register_deploy.ipynb", path)

    result = validate(path, repo, monkeypatch)

    assert "failed" not in result, result  # the solution passes in the copy
    assert _model_versions(lab_home) == before
    assert list((lab_home / "endpoints").glob("*.json")) == []
    assert processes_of(lab_home) == []
    assert copies() == []
