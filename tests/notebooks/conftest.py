"""Running the course's notebooks in tests: paths, a runner, and a fresh lab home each."""

from __future__ import annotations

from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[2]
SOLUTIONS = REPO / "solutions" / "mlflow_lab"
COURSE = REPO / "course" / "mlflow_lab"


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
