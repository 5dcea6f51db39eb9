"""Read what nbgrader made of one notebook into a :class:`NotebookResult`.

Scores come from the unit's gradebook; messages from the autograded notebook's test
cells. A message is the check's own report when the check failed (the learner-facing
table); for any other error only its name and text, never the traceback, whose lines would
show a hidden test's source.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

from grader.checks.report import first_failure
from grader.grading import results as r
from grader.grading.config import ASSIGNMENT
from grader.grading.outcomes import read_audit
from grader.grading.preprocessors.survive_dead_kernel import KERNEL_DIED, OUTPUT_TOO_LARGE

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
MAX_MESSAGE = 4000


def grade_cells(notebook_path: Path) -> list[tuple[str, float]]:
    """(grade id, points) of the test cells of a source notebook, in order."""
    nb = nbformat.read(notebook_path, as_version=4)
    cells = []
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade"):
            cells.append((meta["grade_id"], float(meta.get("points", 0))))
    return cells


def unscored(source: Path, reason: str) -> r.NotebookResult:
    """A notebook that was not graded at all: every test 0, with the reason."""
    return r.NotebookResult(
        notebook=source.stem,
        reason=reason,
        tests=[
            r.TestResult(gid, 0.0, pts, False, reason=reason) for gid, pts in grade_cells(source)
        ],
    )


def _message(outputs: list) -> tuple[str, str]:
    """(message, reason) for a test cell from its outputs."""
    for out in outputs:
        if out.get("output_type") != "error":
            continue
        ename = out.get("ename", "")
        if ename == "SelfCheckFailed":  # its value is the report; never use a traceback
            text = ANSI.sub("", out.get("evalue", ""))
            return text[:MAX_MESSAGE], first_failure(text)
        if ename == "CellTimeoutError":
            return "The cell did not finish in time.", r.TIMED_OUT
        if ename == KERNEL_DIED:
            return ANSI.sub("", out.get("evalue", "")), r.KERNEL_DIED
        return f"{ename}: {ANSI.sub('', out.get('evalue', ''))}"[:MAX_MESSAGE], ""
    return "", ""


#: Reasons that already say the test itself never ran to the end.
_WHOLE = (r.TIMED_OUT, r.KERNEL_DIED)
#: Errors of a learner's cell that explain why later tests fail (beyond a wrong answer).
_FAULTS = {"CellTimeoutError": r.TIMED_OUT, "SystemExit": "SystemExit"}


def _faults_before(cells: list) -> dict[str, str]:
    """Test cell id → the first fault (timeout, ``sys.exit``) of a learner cell before it."""
    found: dict[str, str] = {}
    fault = ""
    for cell in cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade"):
            if fault:
                found[meta.get("grade_id")] = fault
            continue
        for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
            what = _FAULTS.get(out.get("ename", "")) if out.get("output_type") == "error" else None
            if what and not fault:
                fault = f"{what} in cell {cell.get('id', '?')!r}"
    return found


def past_a_cap(cells: list) -> str:
    """What the notebook's kernel sent past a size cap (the executor marked it), or ``""``."""
    for cell in cells:
        for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
            if out.get("output_type") == "error" and out.get("ename") == OUTPUT_TOO_LARGE:
                return ANSI.sub("", str(out.get("evalue", "")))[:MAX_MESSAGE]
    return ""


def collect(unit_root: Path, student: str, source: Path) -> r.NotebookResult:
    """The scored result of ``source`` (a solution notebook) as graded in ``unit_root``."""
    from nbgrader.api import Gradebook, MissingEntry

    name = source.stem
    autograded = unit_root / "autograded" / student / ASSIGNMENT / f"{name}.ipynb"
    if not autograded.exists():
        return unscored(source, r.KERNEL_DIED)
    ordered = nbformat.read(autograded, as_version=4).cells
    if too_large := past_a_cap(ordered):  # what was too large to keep earns nothing
        return unscored(source, f"{r.TOO_LARGE}: {too_large}")
    cells = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in ordered}
    faults = _faults_before(ordered)
    with Gradebook(f"sqlite:///{unit_root / 'gradebook.db'}") as gb:
        try:
            submitted = gb.find_submission_notebook(name, ASSIGNMENT, student)
        except MissingEntry:
            return unscored(source, r.KERNEL_DIED)
        scores = {g.name: (float(g.score or 0.0), float(g.max_score)) for g in submitted.grades}
    audit = read_audit(unit_root)
    result = r.NotebookResult(notebook=name)
    for grade_id, points in grade_cells(source):
        score, max_score = scores.get(grade_id, (0.0, points))
        cell = cells.get(grade_id)
        message, reason = _message(cell.get("outputs", []) if cell else [])
        if cell is None or grade_id not in scores:
            score, reason = 0.0, r.TEST_CELL_MISSING
        elif score < max_score and faults.get(grade_id) and reason not in _WHOLE:
            reason = f"{faults[grade_id]}; {reason}" if reason else faults[grade_id]
        outcome = audit.get(grade_id)
        if score > 0 and outcome is not None and not outcome["passed"]:
            # Passed in the kernel, but the records say otherwise: the records win.
            score, message = 0.0, outcome["report"][:MAX_MESSAGE]
            reason = f"{r.NOT_CONFIRMED}: {first_failure(outcome['report'])}"
        result.tests.append(
            r.TestResult(grade_id, score, max_score, score >= max_score > 0, message, reason)
        )
    reasons = {t.reason for t in result.tests if t.reason in (r.TIMED_OUT, r.KERNEL_DIED)}
    if result.score == 0 and reasons:
        result.reason = sorted(reasons)[0]
    return result
