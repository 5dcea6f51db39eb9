"""Running the course's notebooks in tests: paths, a runner, and a fresh lab home each."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[2]
SOLUTIONS = REPO / "solutions" / "mlflow_lab"
COURSE = REPO / "course" / "mlflow_lab"


def pytest_addoption(parser):
    parser.addoption(
        "--update-goldens",
        action="store_true",
        help="Write the outputs of the solution notebooks' check-output cells back as goldens.",
    )


@pytest.fixture
def update_goldens(request) -> bool:
    return request.config.getoption("--update-goldens")


def nbgrader_meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def stdout_of(cell) -> str:
    return "".join(
        o.get("text", "")
        for o in cell.get("outputs", [])
        if o.get("output_type") == "stream" and o.get("name") == "stdout"
    )


def read(path: Path):
    return nbformat.read(path, as_version=4)


def write_golden(source: Path, executed) -> None:
    """Copy the stdout of check-output cells from an executed notebook into its source."""
    notebook = json.loads(source.read_text(encoding="utf-8"))
    by_id = {c.get("id"): c for c in executed.cells}
    for cell in notebook["cells"]:
        if "check-output" in cell.get("metadata", {}).get("tags", []):
            text = stdout_of(by_id[cell["id"]])
            cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": text}]
    source.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
