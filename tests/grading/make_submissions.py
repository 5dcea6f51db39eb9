"""Build fixture submissions from the course's own notebooks (never hand-edited JSON).

A "learner" notebook is the released course notebook with its exercise cells filled in
from the solutions; a typical mistake is that with one edit. Run as a script to write a
demo class: ``python -m tests.grading.make_submissions OUT``.
"""

from __future__ import annotations

import sys
import tempfile
import zipfile
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[2]
SOLUTIONS = REPO / "solutions" / "mlflow_lab"
COURSE = REPO / "course" / "mlflow_lab"
STEPS = sorted(p.stem for p in COURSE.glob("*.ipynb") if p.stem != "00_start")  # no checks

#: step → (what the learner wrote in the solution, what a learner with this mistake wrote)
MISTAKES = {
    "no_dropna": ("03_data_prep", "data = data.dropna().select(", "data = data.select("),
    "wrong_split": ("03_data_prep", "randomSplit([0.7, 0.3]", "randomSplit([0.5, 0.5]"),
    "wrong_hyperparameters": ("04_mlflow_run", "maxIterations = 5", "maxIterations = 7"),
    "model_not_logged": (
        "04_mlflow_run",
        "mlflow.spark.log_model(model, unique_model_name, mlflow.spark.get_default_conda_env())",
        "pass  # forgot to log the model",
    ),
    "wrong_model_name": (
        "06_register_deploy",
        'model_folder}", lab.model_name)',
        'model_folder}", "penguin-predictor")',
    ),
    "endpoint_not_deleted": (
        "07_cleanup",
        'w.serving_endpoints.delete("predict-penguin")',
        "pass  # forgot the endpoint",
    ),
}


def _solution_code(source: str) -> str:
    """A solution cell as the learner would have typed it: markers gone."""
    keep = [
        line
        for line in source.splitlines()
        if "### BEGIN SOLUTION" not in line and "### END SOLUTION" not in line
    ]
    return "\n".join(keep)


def learner_notebook(step: str, *, solved: bool = True, edit: tuple[str, str] | None = None):
    """The course notebook of ``step``, with exercises solved (and one edit applied)."""
    notebook = nbformat.read(COURSE / f"{step}.ipynb", as_version=4)
    if not solved:
        return notebook
    solutions = {c.id: c for c in nbformat.read(SOLUTIONS / f"{step}.ipynb", as_version=4).cells}
    for cell in notebook.cells:
        if cell.metadata.get("nbgrader", {}).get("solution"):
            cell.source = _solution_code(solutions[cell.id].source)
            if edit is not None and edit[0] in cell.source:
                cell.source = cell.source.replace(*edit)
                edit = None
    if edit is not None:
        raise ValueError(f"{step}: the edit {edit[0]!r} matched no exercise cell")
    return notebook


def with_cell(step: str, cell_id: str, source: str):
    """A solved notebook whose exercise ``cell_id`` holds ``source`` instead (a fault)."""
    notebook = learner_notebook(step)
    cell = next(c for c in notebook.cells if c.id == cell_id)
    cell.source = source
    return notebook


def write_student(root: Path, student: str, notebooks: dict[str, object]) -> Path:
    folder = root / student / "mlflow_lab"
    folder.mkdir(parents=True, exist_ok=True)
    for step, notebook in notebooks.items():
        path = folder / f"{step}.ipynb"
        if isinstance(notebook, (str, bytes)):
            path.write_bytes(notebook if isinstance(notebook, bytes) else notebook.encode())
        else:
            nbformat.write(notebook, path)
    return folder


def correct(steps=STEPS) -> dict[str, object]:
    return {step: learner_notebook(step) for step in steps}


def with_mistake(name: str) -> dict[str, object]:
    step, before, after = MISTAKES[name]
    return {step: learner_notebook(step, edit=(before, after))}


def zip_student(root: Path, student: str, notebooks: dict[str, object]) -> Path:
    """The LMS way: ``<student>.zip`` holding the notebooks in a folder of its own."""
    archive = root / f"{student}.zip"
    archive.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="zip-") as tmp:
        staging = write_student(Path(tmp), student, notebooks)
        with zipfile.ZipFile(archive, "w") as zf:
            for path in sorted(staging.glob("*.ipynb")):
                zf.write(path, f"submission/{path.name}")
    return archive


def demo_class(root: Path) -> None:
    """Ten students: correct, untouched, each typical mistake, missing and unreadable."""
    write_student(root, "alice", correct())
    write_student(root, "bob", {s: learner_notebook(s, solved=False) for s in STEPS})
    for i, mistake in enumerate(MISTAKES):
        write_student(root, f"s{i + 1}-{mistake.replace('_', '-')}", with_mistake(mistake))
    write_student(
        root,
        "gina",
        {"01_provision": learner_notebook("01_provision"), "02_cluster": "not a notebook"},
    )
    zip_student(root, "hank", {"01_provision": learner_notebook("01_provision")})


if __name__ == "__main__":
    demo_class(Path(sys.argv[1]))
