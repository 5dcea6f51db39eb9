"""Grade a class in one call: find submissions, grade every (student, notebook) unit in
parallel, record the gradebook, write reports and feedback.

Resumable: each unit's result is a file written whole at the end of the unit; a second run
skips units that have one (``force`` regrades), so a batch killed halfway finishes without
regrading anyone or losing a grade.

Nothing one student hands in stops the class: a unit the grader fails on, or whose result
cannot be read back, is that unit's error (0 points, the error as its reason); a report or
page that cannot be written is listed in :attr:`Batch.errors` and every other is written.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from grader.exceptions import SandboxUnavailableError
from grader.grading import (
    drivers,
    gradebook,
    placement,
    results,
    sandbox,
    starting_states,
    submissions,
)
from grader.grading.collect import grade_cells, unscored
from grader.grading.config import (
    ASSIGNMENT,
    CELL_TIMEOUT,
    NOTEBOOK_TIMEOUT,
    SandboxLimits,
    StartingStates,
)
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
    #: What lies beside the hand-ins and was not graded (a README, a stray file).
    ignored: list[str] = field(default_factory=list)
    #: Reports, pages or the gradebook that could not be written, one line each.
    errors: list[str] = field(default_factory=list)

    @property
    def course_root(self) -> Path:
        return self.out / "nbgrader"


def default_workers() -> int:
    return os.cpu_count() or 1


def result_path(out: Path, student: str, notebook: str) -> Path:
    return out / "results" / student / f"{notebook}.json"


#: What discovery found about the class as a whole, kept so ``grader report`` can say it too.
HAND_INS_FILE = "hand-ins.json"


def _save_hand_ins(out: Path, batch: Batch) -> None:
    path = out / "results" / HAND_INS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"problems": batch.problems, "ignored": batch.ignored}, indent=2))


def _load_hand_ins(out: Path) -> tuple[dict[str, list[str]], list[str]]:
    """(problems by student, ignored names) as the grading run saved them; none if unreadable."""
    try:
        raw = json.loads((out / "results" / HAND_INS_FILE).read_text(encoding="utf-8"))
        problems = {str(k): [str(p) for p in v] for k, v in raw["problems"].items()}
        return problems, [str(name) for name in raw["ignored"]]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}, []


def prepare(out: Path, solutions: Path) -> Path:
    """The class's nbgrader course folder with the assignment generated from ``solutions``."""
    root = out / "nbgrader"
    generate_assignment(solutions, root)
    return root


def units_of(subs: list[submissions.Submission]) -> list[Unit]:
    """Every (student, notebook), students interleaved so workers share no student."""
    return [Unit(s.student, step, s.notebooks.get(step)) for step in STEPS for s in subs]


def choose_driver(choice: str, *, unsafe: bool, engine: str | None = None) -> sandbox.Driver | None:
    """The sandbox driver of ``--sandbox choice`` (None: none, which needs ``unsafe``).

    Raises :class:`SandboxUnavailableError` saying what is missing and how to fix it."""
    if choice == "none" or (unsafe and choice == "auto"):
        if not unsafe:
            raise SandboxUnavailableError(
                "--sandbox none runs learners' code unsandboxed, as you: add --unsafe to "
                "confirm that the work is trusted, or choose --sandbox auto, bwrap or container."
            )
        return None
    return drivers.pick(choice, engine=engine)


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
    cluster: str | None = None,
    say: Callable[[str], None] = lambda message: None,
    driver: sandbox.Driver | None = None,
) -> Batch:
    """Grade every submission in ``submissions_dir`` into ``out``.

    Each kernel runs in a sandbox with ``limits`` (default: :class:`SandboxLimits`'s); when
    this machine cannot make one, this refuses with what is missing, unless ``unsafe``.
    With ``cluster`` (a Dask scheduler's address) the units are graded on that cluster's
    workers, each in the sandbox it can make (:mod:`grader.grading.distributed`).
    ``driver`` makes the local sandboxes (default: :func:`choose_driver`'s 'auto').
    """
    started = time.monotonic()
    if not unsafe:
        limits = limits or SandboxLimits()
    if not unsafe and cluster is None:  # on a cluster, each worker checks its own
        driver = driver or choose_driver("auto", unsafe=False)
        driver.remove_stale()  # a killed earlier run may have left kernels and lab homes
    solutions = solutions or solutions_dir()
    out.mkdir(parents=True, exist_ok=True)
    batch = Batch(out=out)
    kill_processes_of(out / "work")  # a killed earlier run may have left kernels behind
    course_root = prepare(out, solutions)
    subs = submissions.discover(submissions_dir, out / "incoming")
    batch.problems = {s.student: s.problems for s in subs if s.problems}
    batch.ignored = submissions.not_hand_ins(submissions_dir)
    _save_hand_ins(out, batch)
    _lay_out(course_root, subs)
    refused = {(s.student, step): why for s in subs for step, why in s.refused.items()}

    todo, done = [], {}
    for unit in units_of(subs):
        path = result_path(out, unit.student, unit.notebook)
        if (unit.student, unit.notebook) in refused:  # past a size cap: nothing to run
            source = course_root / "source" / ASSIGNMENT / f"{unit.notebook}.ipynb"
            done[unit] = unscored(source, refused[unit.student, unit.notebook])
            done[unit].save(path)
            on_unit(unit, done[unit], False)
        elif path.exists() and not force:
            done[unit] = results.load_or_error(path, unit.notebook)
            batch.skipped += 1
            on_unit(unit, done[unit], True)
        else:
            todo.append(unit)

    if cluster is not None:
        from grader.grading.distributed import grade_on_cluster

        graded = grade_on_cluster(
            cluster, todo, out=out, template=course_root, cell_timeout=cell_timeout,
            notebook_timeout=notebook_timeout, limits=None if unsafe else limits, say=say,
        )  # fmt: skip
        for unit, result, keep in graded:
            if keep:
                result.save(result_path(out, unit.student, unit.notebook))
            done[unit] = result
            batch.graded += 1
            on_unit(unit, result, False)
        todo = []  # all graded: the local pool below has nothing to do

    # The states are made beside the first units, which need none (every student's step 01
    # comes first); a unit that needs them waits for them.
    maker = ThreadPoolExecutor(max_workers=1)
    states = maker.submit(_starting_states, out, todo, say)

    label = placement.NO_SANDBOX if unsafe or driver is None else driver.label

    def run(unit: Unit) -> results.NotebookResult:
        result = grade_unit(
            unit,
            work=out / "work",
            template=course_root,
            cell_timeout=cell_timeout,
            notebook_timeout=notebook_timeout,
            limits=None if unsafe else limits,
            states=states.result() if _needs_state(unit) else None,
            driver=driver,
        )
        result.save(result_path(out, unit.student, unit.notebook))
        if unit.submitted is not None:
            placement.record(out, unit.student, unit.notebook, placement.local(label))
        return result

    with ThreadPoolExecutor(max_workers=max(1, workers or default_workers())) as pool:
        futures = {pool.submit(run, unit): unit for unit in todo}
        for future in as_completed(futures):
            unit = futures[future]
            try:
                done[unit] = future.result()
            except Exception as exc:  # the grader failed on this unit: its error, not the class's
                done[unit] = results.NotebookResult.failed(unit.notebook, _why(exc))
            batch.graded += 1
            on_unit(unit, done[unit], False)
    maker.shutdown()

    batch.students = _assemble(subs, done)
    try:
        gradebook.record(course_root, batch.students, out / "work")
    except Exception as exc:  # the reports below hold every score all the same
        batch.errors.append(f"the nbgrader gradebook could not be written: {_why(exc)}")
    write_reports(batch, solutions)
    batch.seconds = time.monotonic() - started
    return batch


def _why(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def _needs_state(unit: Unit) -> bool:
    """A handed-in notebook whose step starts from an earlier step's state."""
    return unit.submitted is not None and unit.notebook in starting_states.SEEDED


def _starting_states(out: Path, todo: list[Unit], say: Callable[[str], None]) -> Path | None:
    """Make, once, the starting states of the steps the units to grade need, and only those
    (a resumed batch may have few left; see :mod:`grader.grading.starting_states`)."""
    steps = states_needed(todo)
    if not steps:
        return None
    cache = StartingStates().folder()
    return starting_states.build(out / "starting-states", steps, cache=cache, say=say)


def states_needed(todo: list[Unit]) -> tuple[str, ...]:
    """The steps, in course order, whose starting state some unit in ``todo`` is seeded from."""
    wanted = {u.notebook for u in todo if _needs_state(u)}
    return tuple(step for step in starting_states.SEEDED if step in wanted)


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
        students.append(
            results.StudentResult(
                student=sub.student, notebooks=notebooks, problems=list(sub.problems)
            )
        )
    return students


def max_points(solutions: Path | None = None) -> dict[str, float]:
    solutions = solutions or solutions_dir()
    return {step: sum(p for _, p in grade_cells(solutions / f"{step}.ipynb")) for step in STEPS}


def write_reports(batch: Batch, solutions: Path | None = None) -> list[Path]:
    """grades.csv, tests.csv, each student's feedback and the class summary.

    Each is written on its own: one that fails is listed in ``batch.errors`` and the others
    are still written (the summary, last, lists the errors too)."""
    from grader.grading import feedback, reports

    maxima = max_points(solutions)
    steps = [
        lambda: [
            reports.write_grades_csv(
                batch.students, batch.out / "grades.csv", max_points_by_notebook=maxima
            )
        ],
        lambda: [reports.write_tests_csv(batch.students, batch.out / "tests.csv")],
        lambda: feedback.write_all_feedback(
            batch.students,
            batch.out / "feedback",
            max_points_by_notebook=maxima,
            errors=batch.errors,
        ),
        lambda: reports.write_summary(
            batch.students,
            batch.out / "summary",
            max_points_by_notebook=maxima,
            ignored=batch.ignored,
            errors=batch.errors,
        ),
        lambda: placement.write_summary_section(batch.out, batch.out / "summary"),
    ]
    written: list[Path] = []
    for step in steps:
        try:
            written += step()
        except Exception as exc:  # one report that fails never stops the others
            batch.errors.append(f"a report could not be written: {_why(exc)}")
    return written


def report(*, out: Path, solutions: Path | None = None) -> Batch:
    """Rewrite the reports of the batch graded into ``out`` from its saved results, with no
    grading. A result file that cannot be read is that unit's error (0 points, and why)."""
    from grader.lab.steps import STEPS

    if not (out / "results").is_dir():
        raise FileNotFoundError(f"{out} holds no graded batch (no results/ folder in it).")
    batch = Batch(out=out)
    batch.problems, batch.ignored = _load_hand_ins(out)
    folders = [f for f in sorted((out / "results").iterdir()) if f.is_dir()]
    for folder in folders:
        notebooks = [
            results.load_or_error(folder / f"{step}.json", step)
            for step in STEPS
            if (folder / f"{step}.json").exists()
        ]
        batch.students.append(
            results.StudentResult(
                student=folder.name,
                notebooks=notebooks,
                problems=batch.problems.get(folder.name, []),
            )
        )
    write_reports(batch, solutions)
    return batch
