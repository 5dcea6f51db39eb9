"""The learner's notebooks: they run up to the first exercise without error, and every
self-check then fails with a learner-facing report (a hint), never a crash."""

from __future__ import annotations

import pytest
from nbclient import NotebookClient

from grader.lab import serving
from grader.lab.home import LabHome
from grader.lab.steps import STEPS
from tests.notebooks.conftest import COURSE, nbgrader_meta, read

pytestmark = pytest.mark.slow


def errors(cell) -> list[dict]:
    return [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]


@pytest.mark.parametrize("step", STEPS)
def test_learner_notebook_fails_kindly(step, lab_home, tmp_path):
    notebook = read(COURSE / f"{step}.ipynb")
    client = NotebookClient(
        notebook,
        kernel_name="python3",
        allow_errors=True,
        timeout=600,
        resources={"metadata": {"path": str(tmp_path)}},
    )
    try:
        client.execute()
    finally:
        serving.stop_all(LabHome(lab_home))

    cells = [c for c in notebook.cells if c.cell_type == "code"]
    first_exercise = next(i for i, c in enumerate(cells) if nbgrader_meta(c).get("solution"))
    for cell in cells[:first_exercise]:
        assert not errors(cell), f"{step}: cell {cell.id} before the first exercise failed"
    first_error = errors(cells[first_exercise])
    assert first_error and first_error[0]["ename"] == "NotImplementedError"

    for cell in cells:
        if nbgrader_meta(cell).get("grade"):
            found = errors(cell)
            assert found, f"{step}: self-check {cell.id} passed on an empty exercise"
            assert found[0]["ename"] == "SelfCheckFailed", (
                f"{step}: self-check {cell.id} crashed with {found[0]['ename']}"
            )
            text = "\n".join(found[0]["traceback"])
            assert "expected:" in text and "hint:" in text
