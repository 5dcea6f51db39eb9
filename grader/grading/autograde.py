"""Grade a class in one call: find submissions, grade every (student, notebook) unit in
parallel, record the gradebook, write reports and feedback.

Resumable: each unit's result is a file written whole at the end of the unit; a second run
skips units that have one (``force`` regrades), so a batch killed halfway finishes without
regrading anyone or losing a grade.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from grader.grading import gradebook, results, sandbox, starting_states, submissions
from grader.grading.collect import grade_cells
from grader.grading.config import ASSIGNMENT, CELL_TIMEOUT, NOTEBOOK_TIMEOUT, SandboxLimits
from grader.grading.isolation import kill_processes_of
from grader.grading.release import generate_assignment
from grader.grading.unit import Unit, grade_unit
from grader.lab.steps import STEPS
from grader.paths import solutions_dir


@dataclass
class Batch:
    """What one ``autograde`` call did and where it put things."""

    out: Path
    students: list[results.StudentResult] = field(default_factory=list)
    graded: int = 0
    skipped: int = 0
    seconds: float = 0.0
    problems: dict[str, list[str]] = field(default_factory=dict)

    @property
    def course_root(self) -> Path:
        return self.out / "nbgrader"


def default_workers() -> int:
    return os.cpu_count() or 1


def result_path(out: Path, student: str, notebook: str) -> Path:
    return out / "results" / student / f"{notebook}.json"


def prepare(out: Path, solutions: Path) -> Path:
    """The class's nbgrader course folder with the assignment generated from ``solutions``."""
    root = out / "nbgrader"
    generate_assignment(solutions, root)
    return root


def units_of(subs: list[submissions.Submission]) -> list[Unit]:
    """Every (student, notebook), students interleaved so workers share no student."""
    return [Unit(s.student, step, s.notebooks.get(step)) for step in STEPS for s in subs]


def autograde(
    *,
    submissions_dir: Path,
    out: Path,
    workers: int | None = None,
    force: bool = False,
    cell_timeout: int = CELL_TIMEOUT,
    notebook_timeout: int = NOTEBOOK_TIMEOUT,
    solutions: Path | None = None,
    unsafe: bool = False,
    limits: SandboxLimits | None = None,
    on_unit: Callable[[Unit, results.NotebookResult, bool], None] = lambda u, r, s: None,
) -> Batch:
    """Grade every submission in ``submissions_dir`` into ``out``.

    Each kernel runs in a sandbox with ``limits`` (default: :class:`SandboxLimits`'s); when
    this machine cannot make one, this refuses with what is missing, unless ``unsafe``.
    """
    started = time.monotonic()
    if not unsafe:
        sandbox.require()
        limits = limits or SandboxLimits()
        sandbox.remove_stale_cgroups()  # a killed earlier run may have left kernels behind
        sandbox.remove_stale_unit_folders()  # and their lab homes in the neutral folder
    solutions = solutions or solutions_dir()
    out.mkdir(parents=True, exist_ok=True)
    batch = Batch(out=out)
    kill_processes_of(out / "work")  # a killed earlier run may have left kernels behind
    course_root = prepare(out, solutions)
    subs = submissions.discover(submissions_dir, out / "incoming")
    batch.problems = {s.student: s.problems for s in subs if s.problems}
    _lay_out(course_root, subs)

    todo, done = [], {}
    for unit in units_of(subs):
        path = result_path(out, unit.student, unit.notebook)
        if path.exists() and not force:
            done[unit] = results.NotebookResult.load(path)
            batch.skipped += 1
            on_unit(unit, done[unit], True)
        else:
            todo.append(unit)

    # The states are made beside the first units, which need none (every student's step 01
    # comes first); a unit that needs them waits for them.
    maker = ThreadPoolExecutor(max_workers=1)
    states = maker.submit(_starting_states, out, todo)

    def run(unit: Unit) -> results.NotebookResult:
        result = grade_unit(
            unit,
            work=out / "work",
            template=course_root,
            cell_timeout=cell_timeout,
            notebook_timeout=notebook_timeout,
            limits=None if unsafe else limits,
            states=states.result() if _needs_state(unit) else None,
        )
        result.save(result_path(out, unit.student, unit.notebook))
        return result

    with ThreadPoolExecutor(max_workers=max(1, workers or default_workers())) as pool:
        futures = {pool.submit(run, unit): unit for unit in todo}
        for future in as_completed(futures):
            unit = futures[future]
            done[unit] = future.result()
            batch.graded += 1
            on_unit(unit, done[unit], False)
    maker.shutdown()

    batch.students = _assemble(subs, done)
    gradebook.record(course_root, batch.students, out / "work")
    write_reports(batch, solutions)
    batch.seconds = time.monotonic() - started
    return batch


def _needs_state(unit: Unit) -> bool:
    """A handed-in notebook whose step starts from an earlier step's state."""
    return unit.submitted is not None and unit.notebook in starting_states.SEEDED


def _starting_states(out: Path, todo: list[Unit]) -> Path | None:
    """Make the starting states once when some unit to grade needs one (see
    :mod:`grader.grading.starting_states`)."""
    if not any(_needs_state(u) for u in todo):
        return None
    return starting_states.build(out / "starting-states")


def _lay_out(course_root: Path, subs: list[submissions.Submission]) -> None:
    """Copy each hand-in to ``submitted/<student>/mlflow_lab/`` as nbgrader keeps them."""
    for sub in subs:
        folder = course_root / "submitted" / sub.student / ASSIGNMENT
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        for step, path in sub.notebooks.items():
            shutil.copyfile(path, folder / f"{step}.ipynb")


def _assemble(subs, done) -> list[results.StudentResult]:
    students = []
    for sub in subs:
        notebooks = [done[u] for u in units_of([sub])]
        students.append(results.StudentResult(student=sub.student, notebooks=notebooks))
    return students


def max_points(solutions: Path | None = None) -> dict[str, float]:
    solutions = solutions or solutions_dir()
    return {step: sum(p for _, p in grade_cells(solutions / f"{step}.ipynb")) for step in STEPS}


def write_reports(batch: Batch, solutions: Path | None = None) -> list[Path]:
    """grades.csv, tests.csv, the class summary and each student's feedback."""
    from grader.grading import feedback, reports

    maxima = max_points(solutions)
    written = [
        reports.write_grades_csv(
            batch.students, batch.out / "grades.csv", max_points_by_notebook=maxima
        ),
        reports.write_tests_csv(batch.students, batch.out / "tests.csv"),
    ]
    written += reports.write_summary(
        batch.students, batch.out / "summary", max_points_by_notebook=maxima
    )
    written += feedback.write_all_feedback(
        batch.students, batch.out / "feedback", max_points_by_notebook=maxima
    )
    return written
