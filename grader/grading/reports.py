"""The instructor's view of a graded batch: the gradebook, the per-test table, a class summary.

Everything here is made from :class:`~grader.grading.results.StudentResult` objects only, so a
batch can be re-reported at any time without grading anyone again. The functions are pure
apart from the files they write: no global state, no matplotlib backend switched for the
caller.
"""

from __future__ import annotations

import csv
import html
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from grader.grading.results import MISSING, StudentResult
from grader.grading.safe_text import printable
from grader.lab.steps import STEPS

GRADES_COLUMNS_END = ("total", "max", "reason")
TESTS_COLUMNS = ("student", "notebook", "test", "points", "max", "result", "reason")

#: A spreadsheet runs a cell starting with one of these as a formula; student names, test
#: ids and messages are untrusted, so such text cells are prefixed with a quote.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def format_points(value: float) -> str:
    """``3`` or ``2.5``, never ``3.0`` or ``0.30000000000000004``: a gradebook shows points as
    a person would write them (sums of floats are rounded to 6 decimals)."""
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def course_max_points(
    results: Iterable[StudentResult], *, notebooks: Sequence[str] = STEPS
) -> dict[str, float]:
    """Each notebook's max points, taken from the results that have it (the largest seen, so a
    timed-out notebook that recorded no tests cannot lower it).

    Notebooks no result has a test for are left out: their max cannot be known from the
    results, and :func:`write_grades_csv` then asks for it rather than guess 0."""
    found: dict[str, float] = {}
    for result in results:
        for nb in result.notebooks:
            if nb.tests:
                found[nb.notebook] = max(found.get(nb.notebook, 0.0), nb.max_score)
    ordered = [n for n in notebooks if n in found] + sorted(n for n in found if n not in notebooks)
    return {n: found[n] for n in ordered}


def notebook_reasons(result: StudentResult, *, notebooks: Sequence[str] = STEPS) -> list[str]:
    """What was wrong with the hand-in as a whole (``result.problems``), then
    ``"<notebook>: <reason>"`` for each notebook that scored nothing as a whole, in course
    order. A notebook the student has no result for at all is reported as missing: it got
    no score either, and the instructor must see why."""
    reasons = list(result.problems)
    for name in notebooks:
        nb = result.notebook(name)
        if nb is None:
            reasons.append(f"{name}: {MISSING}")
        elif nb.reason:
            reasons.append(f"{name}: {nb.reason}")
    return reasons


def course_total(result: StudentResult, *, notebooks: Sequence[str] = STEPS) -> float:
    """The student's total over the course's notebooks (a notebook they lack counts 0), so it
    is always the sum of the per-notebook columns of the gradebook."""
    return sum(nb.score for nb in result.notebooks if nb.notebook in notebooks)


def course_max(max_points_by_notebook: Mapping[str, float], *, notebooks: Sequence[str]) -> float:
    """The course's max: what every student is graded out of, whatever they handed in."""
    unknown = [n for n in notebooks if n not in max_points_by_notebook]
    if unknown:
        raise ValueError(
            f"no max points given for {', '.join(unknown)}: pass them in max_points_by_notebook"
            " (no result has tests for them, so the max cannot be taken from the results)"
        )
    return sum(max_points_by_notebook[n] for n in notebooks)


def _cell(text: str) -> str:
    """A CSV text cell: printable on one line (see :mod:`.safe_text`), never a formula."""
    text = printable(text, one_line=True)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _by_student(results: Iterable[StudentResult]) -> list[StudentResult]:
    ordered = sorted(results, key=lambda r: r.student)
    seen: set[str] = set()
    for r in ordered:
        if r.student in seen:
            raise ValueError(f"student {r.student!r} has more than one result")
        seen.add(r.student)
    return ordered


def write_grades_csv(
    results: Iterable[StudentResult],
    path: Path,
    *,
    max_points_by_notebook: Mapping[str, float],
    notebooks: Sequence[str] = STEPS,
) -> Path:
    """Write the gradebook: one row per student, sorted by student.

    Columns: ``student``, one per notebook (its score; 0 when the student lacks it),
    ``total``, ``max`` and ``reason`` (``"<notebook>: <reason>"`` joined with ``"; "`` for each
    notebook that scored nothing as a whole). ``max`` comes from ``max_points_by_notebook``
    (see :func:`course_max_points`) rather than from each result, so a student missing a
    notebook is still graded out of the whole course. Notebooks not in ``notebooks`` are left
    out of every column."""
    maximum = course_max(max_points_by_notebook, notebooks=notebooks)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["student", *notebooks, *GRADES_COLUMNS_END])
        for result in _by_student(results):
            scores = []
            for name in notebooks:
                nb = result.notebook(name)
                scores.append(format_points(nb.score if nb else 0.0))
            writer.writerow(
                [
                    _cell(result.student),
                    *scores,
                    format_points(course_total(result, notebooks=notebooks)),
                    format_points(maximum),
                    _cell("; ".join(notebook_reasons(result, notebooks=notebooks))),
                ]
            )
    return path


def write_tests_csv(results: Iterable[StudentResult], path: Path) -> Path:
    """Write one row per test cell per student, sorted by student, notebook and test id, so
    the instructor can filter a spreadsheet for one check.

    ``reason`` is the test's own reason, or else its notebook's (a timed-out notebook's tests
    lost their points because of the timeout). A notebook without test results has no rows:
    the gradebook's ``reason`` column says why."""
    rows = []
    for result in results:
        for nb in result.notebooks:
            for t in nb.tests:
                rows.append((result.student, nb.notebook, t.test_id, t, t.reason or nb.reason))
    rows.sort(key=lambda row: row[:3])
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(TESTS_COLUMNS)
        for student, notebook, test_id, t, reason in rows:
            writer.writerow(
                [
                    _cell(student),
                    _cell(notebook),
                    _cell(test_id),
                    format_points(t.points),
                    format_points(t.max_points),
                    "pass" if t.passed else "fail",
                    _cell(reason),
                ]
            )
    return path


@dataclass(frozen=True)
class PassRate:
    """How many of the class passed one test (a student without the test did not pass it)."""

    notebook: str
    test_id: str
    passed: int
    students: int

    @property
    def rate(self) -> float:
        return self.passed / self.students if self.students else 0.0

    @property
    def label(self) -> str:
        return f"{self.notebook} / {self.test_id}"


def pass_rates(
    results: Sequence[StudentResult], *, notebooks: Sequence[str] = STEPS
) -> list[PassRate]:
    """Each test's pass rate across the class, lowest first (ties in course order).

    The denominator is the whole class: a student whose notebook is missing or timed out
    without test results did not pass its tests, and hiding them would flatter the step."""
    passed: dict[tuple[str, str], int] = {}
    for result in results:
        for nb in result.notebooks:
            if nb.notebook not in notebooks:
                continue
            for t in nb.tests:
                key = (nb.notebook, t.test_id)
                passed[key] = passed.get(key, 0) + int(t.passed)
    rates = [PassRate(nb, test, n, len(results)) for (nb, test), n in passed.items()]
    rates.sort(key=lambda p: (p.rate, list(notebooks).index(p.notebook), p.test_id))
    return rates


def _md(text: str) -> str:
    """Text safe inside a Markdown table cell or list item: no HTML, links, code spans or
    column breaks from untrusted student names and test ids."""
    text = html.escape(printable(text, one_line=True), quote=False)
    for char in "\\`*[]|":
        text = text.replace(char, "\\" + char)
    return text


def _new_figure(height: float):
    """A figure drawn by the Agg canvas directly: PNGs without a display and without
    switching the caller's pyplot backend (pyplot is never imported)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6, height), dpi=100)
    FigureCanvasAgg(fig)
    return fig


def plot_scores(totals: Sequence[float], maximum: float, path: Path) -> Path:
    """A histogram of the students' totals on the course's whole 0..max range, so a class
    bunched at the bottom looks bunched at the bottom."""
    from matplotlib.ticker import MaxNLocator

    fig = _new_figure(4)
    ax = fig.add_subplot()
    top = maximum if maximum > 0 else 1.0
    ax.hist(list(totals), bins=max(1, min(20, int(top) or 1)), range=(0, top), edgecolor="white")
    ax.set_xlim(0, top)
    ax.set_xlabel(f"total score (out of {format_points(maximum)})")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # students come whole
    ax.set_ylabel("students")
    ax.set_title("Total scores")
    fig.tight_layout()
    fig.savefig(path, format="png")
    return path


def plot_pass_rates(rates: Sequence[PassRate], path: Path) -> Path:
    """A horizontal bar per test, lowest pass rate at the top: the step the class struggled
    with is the first thing seen. The figure grows with the number of tests so labels stay
    readable."""
    fig = _new_figure(max(4.0, 0.25 * len(rates) + 1.0))
    ax = fig.add_subplot()
    # A ``$`` would start matplotlib's math mode, which raises on what it cannot parse.
    labels = [printable(p.label, one_line=True).replace("$", r"\$") for p in rates]
    ax.barh(range(len(rates)), [100 * p.rate for p in rates], color="tab:blue")
    ax.set_yticks(range(len(rates)), labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("students who passed (%)")
    ax.set_title("Pass rate per test")
    fig.tight_layout()
    fig.savefig(path, format="png")
    return path


def write_summary(
    results: Iterable[StudentResult],
    out_dir: Path,
    *,
    max_points_by_notebook: Mapping[str, float],
    notebooks: Sequence[str] = STEPS,
    ignored: Sequence[str] = (),
    errors: Sequence[str] = (),
) -> list[Path]:
    """Write the class summary into ``out_dir``: ``summary.md``, ``scores.png`` (histogram of
    totals) and ``pass_rates.png`` (pass rate per test); return their paths.

    The Markdown gives the number of students, mean and median total, both images, the
    pass-rate table lowest first, the students with a notebook that scored nothing as a
    whole, with why, and, when there are any, the ``ignored`` files beside the hand-ins and
    the ``errors`` of writing the reports."""
    students = _by_student(results)
    maximum = course_max(max_points_by_notebook, notebooks=notebooks)
    totals = [course_total(r, notebooks=notebooks) for r in students]
    rates = pass_rates(students, notebooks=notebooks)
    out_dir.mkdir(parents=True, exist_ok=True)
    scores_png = plot_scores(totals, maximum, out_dir / "scores.png")
    rates_png = plot_pass_rates(rates, out_dir / "pass_rates.png")

    out_of = f" / {format_points(maximum)}"
    mean = format_points(round(statistics.fmean(totals), 2)) + out_of if totals else "n/a"
    median = format_points(statistics.median(totals)) + out_of if totals else "n/a"
    lines = [
        "# Class summary",
        "",
        f"- Students: {len(students)}",
        f"- Mean total: {mean}",
        f"- Median total: {median}",
        "",
        f"![Total scores]({scores_png.name})",
        "",
        f"![Pass rate per test]({rates_png.name})",
        "",
        "## Pass rate per test (lowest first)",
        "",
    ]
    if rates:
        lines += ["| Notebook | Test | Passed | Pass rate |", "| --- | --- | ---: | ---: |"]
        lines += [
            f"| {_md(p.notebook)} | {_md(p.test_id)} | {p.passed} / {p.students}"
            f" | {100 * p.rate:.0f} % |"
            for p in rates
        ]
    else:
        lines.append("No test results.")
    lines += ["", "## Students with reasons", ""]
    with_reasons = [(r, notebook_reasons(r, notebooks=notebooks)) for r in students]
    with_reasons = [(r, reasons) for r, reasons in with_reasons if reasons]
    if with_reasons:
        lines += [f"- {_md(r.student)}: {_md('; '.join(reasons))}" for r, reasons in with_reasons]
    else:
        lines.append("None: every student has every notebook graded.")
    if ignored:
        lines += ["", "## Not graded: not a student's folder or .zip", ""]
        lines += [f"- {_md(name)}" for name in ignored]
    if errors:
        lines += ["", "## Reports that could not be written", ""]
        lines += [f"- {_md(error)}" for error in errors]
    summary_md = out_dir / "summary.md"
    summary_md.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return [summary_md, scores_png, rates_png]
