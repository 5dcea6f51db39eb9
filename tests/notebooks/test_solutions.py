"""Every solution notebook runs on its own in a fresh lab home, and its marked outputs
match the goldens stored in the notebook (``--update-goldens`` rewrites them)."""

from __future__ import annotations

import papermill
import pytest

from grader.grading.isolation import processes_of as lab_processes
from grader.lab import serving
from grader.lab.home import LabHome
from grader.lab.steps import STEPS
from tests.notebooks.conftest import SOLUTIONS, nbgrader_meta, read, stdout_of, write_golden

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("step", STEPS)
def test_solution_runs_alone(step, lab_home, tmp_path, update_goldens):
    source = SOLUTIONS / f"{step}.ipynb"
    output = tmp_path / f"{step}.ipynb"
    try:
        papermill.execute_notebook(
            str(source),
            str(output),
            parameters={"home": str(lab_home)},
            kernel_name="python3",
            progress_bar=False,
            cwd=str(tmp_path),
        )
    finally:
        serving.stop_all(LabHome(lab_home))
    executed = read(output)

    # nbgrader scores a test cell 0 on any stderr: the reference must write none.
    for cell in executed.cells:
        if nbgrader_meta(cell).get("grade"):
            streams = [o.get("name") for o in cell.get("outputs", []) if "name" in o]
            assert "stderr" not in streams, f"{step}: test cell {cell['id']} wrote to stderr"

    if update_goldens:
        write_golden(source, executed)
    expected = {
        c.id: stdout_of(c)
        for c in read(source).cells
        if "check-output" in c.metadata.get("tags", [])
    }
    for cell in executed.cells:
        if cell.id in expected:
            assert stdout_of(cell) == expected[cell.id], f"{step}: output of cell {cell.id} changed"

    assert lab_processes(lab_home) == [], "a process of this lab home outlived the notebook"
