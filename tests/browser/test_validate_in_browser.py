"""In a real browser: the learner presses nbgrader's **Validate** on a mistaken step 01 (it
empties the lab's data folder and uploads under a wrong name). Validate reports the failed
check, and the learner's own data file is unchanged: Validate ran in a throwaway copy of the
lab home (grader/grading/validation.py), and nothing it started is left. While it runs,
a notification counts the cells it has run, and the server answers other requests
(grader/grading/validate_server.py: nbgrader's own handler would hold the event loop).

One JupyterLab server (as ``grader lab`` starts it) for the module; Debian's chromium.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
import requests

from grader.grading.isolation import processes_of
from grader.grading.validation import PREFIX
from tests.browser.test_lab_in_browser import (
    ARTIFACTS,
    TOKEN,
    browser_page,
    chromium,
    jupyter_lab,
)
from tests.notebooks.conftest import SOLUTIONS, nbgrader_meta
from tests.notebooks.test_validate_in_copy import MISTAKEN_UPLOAD

pytestmark = pytest.mark.slow

#: The notification's text while Validate runs, and when it has run every cell.
RUNNING = re.compile(r"Validate is running 01_provision in a copy of your lab: cell \d+ of \d+")
DONE = re.compile(r"Validate ran 01_provision to the end \(\d+ cells, \d+ s\)")

LEARNERS_DATA = b"species,island\nAdelie,Torgersen\n"


@pytest.fixture
def lab(tmp_path, lab_home) -> Iterator[dict]:
    """JupyterLab on a course folder holding the mistaken 01, on a lab home whose data file
    the learner made earlier."""
    executable = chromium()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    data = lab_home / "dbfs" / "mlflow_lab" / "penguins.csv"
    data.parent.mkdir(parents=True)
    data.write_bytes(LEARNERS_DATA)
    root = tmp_path / "course"
    (root / "mlflow_lab").mkdir(parents=True)
    notebook = nbformat.read(SOLUTIONS / "01_provision.ipynb", as_version=4)
    for cell in notebook.cells:
        if nbgrader_meta(cell).get("grade_id") == "upload":
            cell.source = "import io\n\nfrom grader.lab.dataset import penguins_csv\n\n"
            cell.source += MISTAKEN_UPLOAD
    nbformat.write(notebook, root / "mlflow_lab" / "01_provision.ipynb")
    with jupyter_lab(root, tmp_path) as (url, jupyter):
        yield {"chromium": executable, "lab": url, "data": data, "server": jupyter}


def test_validate_on_a_mistaken_01_leaves_the_learners_data_file(lab):
    with browser_page(lab["chromium"], "validate-failure.png") as page:
        page.goto(f"{lab['lab']}/lab/tree/mlflow_lab/01_provision.ipynb?token={TOKEN}")
        page.locator(".jp-Notebook .jp-Cell").first.wait_for(timeout=60_000)
        page.get_by_role("button", name="Validate").first.click()
        page.get_by_text(RUNNING).first.wait_for(timeout=120_000)
        page.screenshot(path=ARTIFACTS / "validate-progress.png")
        results = page.locator(".jp-Dialog", has_text="Validation Results")
        # the progress reached the page while Validate ran: the server was not held
        assert results.count() == 0
        status = requests.get(f"{lab['lab']}/api/status?token={TOKEN}", timeout=60)
        assert status.ok
        results.wait_for(timeout=300_000)
        page.get_by_text(DONE).first.wait_for(timeout=30_000)
        page.screenshot(path=ARTIFACTS / "validate-mistaken-01.png")
        assert 'lab.check("provision.data")' in results.inner_text()
    assert lab["data"].read_bytes() == LEARNERS_DATA
    assert not (lab["data"].parent / "penguin.csv").exists()
    copies = Path(tempfile.gettempdir()) / f"{PREFIX}{lab['server'].pid}-"
    assert list(copies.parent.glob(copies.name + "*")) == []  # the copy is gone
    assert processes_of(copies) == []  # and nothing it started runs on
