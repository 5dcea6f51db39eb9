"""The lab's own code runs in the course: its cells, pasted into steps 03–05 as the lab
writes them (workspace paths such as ``/mlflow_lab/penguins.csv``, no ``lab.path``), run
on the local backend and pass every self-check and hidden test."""

from __future__ import annotations

import papermill
import pytest

from grader.lab import serving
from grader.lab.home import LabHome
from tests.notebooks import lab_as_written
from tests.notebooks.conftest import SOLUTIONS, nbgrader_meta, read

pytestmark = pytest.mark.slow


def with_lab_cells(step: str, folder) -> str:
    """The solution notebook of ``step`` with its exercise cells replaced by the lab's."""
    import nbformat

    notebook = read(SOLUTIONS / f"{step}.ipynb")
    cells = lab_as_written.CELLS[step]
    for cell in notebook.cells:
        grade_id = nbgrader_meta(cell).get("grade_id")
        if grade_id in cells:
            cell.source = lab_as_written.as_run_here(cells.pop(grade_id))
    assert not cells, f"{step}: no cell {sorted(cells)}"
    path = folder / f"{step}-lab.ipynb"
    nbformat.write(notebook, path)
    return str(path)


def test_the_lab_cells_only_change_the_save_path() -> None:
    for cells in lab_as_written.CELLS.values():
        for code in cells.values():
            changed = lab_as_written.as_run_here(code)
            assert [
                a for a, b in zip(code.splitlines(), changed.splitlines(), strict=True) if a != b
            ] == ([line for line in code.splitlines() if '"/model/' in line])
    assert "lab.path" not in "".join(
        code for cells in lab_as_written.CELLS.values() for code in cells.values()
    )


def test_the_labs_cells_run_and_pass_the_checks(lab_home, tmp_path) -> None:
    """03, 04 and 05 in one lab home, in order, as a learner takes them."""
    try:
        for step in lab_as_written.CELLS:
            output = tmp_path / f"{step}.ipynb"
            papermill.execute_notebook(  # raises PapermillExecutionError naming a failed cell
                with_lab_cells(step, tmp_path),
                str(output),
                parameters={"home": str(lab_home)},
                kernel_name="python3",
                progress_bar=False,
                cwd=str(tmp_path),
            )
            graded = [c for c in read(output).cells if nbgrader_meta(c).get("grade")]
            assert graded and all(
                not any(o.get("output_type") == "error" for o in c.outputs) for c in graded
            )
    finally:
        serving.stop_all(LabHome(lab_home))
    saved = sorted((tmp_path / "model").iterdir())
    assert len(saved) >= 2 and all((m / "MLmodel").is_file() for m in saved)
