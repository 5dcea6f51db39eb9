"""One self-contained HTML feedback page per student, made from their result only.

The page shows what the learner may see: scores, the reasons a notebook scored nothing, and
each check's learner-facing report (``TestResult.message``). It never reads a notebook, so
hidden test source cannot leak into it. Student names and messages are untrusted: every
value is made printable (:mod:`.safe_text`) and HTML-escaped, and a student name must be a
safe file name before its page is written. One student's page that cannot be written never
stops the others'.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from html import escape
from pathlib import Path

from grader.checks.i18n import translate
from grader.grading.reports import format_points
from grader.grading.results import (
    KERNEL_DIED,
    MISSING,
    NOT_CONFIRMED,
    TAMPERING,
    TEST_CELL_MISSING,
    TIMED_OUT,
    UNREADABLE,
    NotebookResult,
    StudentResult,
)
from grader.grading.safe_text import printable
from grader.grading.submissions import student_name
from grader.lab.steps import STEPS

_CSS = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 60em; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 2em; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #ccc; padding: .4em .6em; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
pre { white-space: pre-wrap; margin: 0; font-size: .9em; }
.reason { color: #a40000; }
.pass { color: #1a7f37; } .fail { color: #a40000; }
"""


def check_student_name(student: str) -> str:
    """Return ``student`` if it is a usable student id, else raise :class:`ValueError`.

    The name becomes ``<student>.html`` in the feedback folder; refusing a bad one beats
    rewriting it, which could make two students share a page. The rule is the hand-ins'
    (:func:`grader.grading.submissions.student_name`)."""
    try:
        return student_name(student)
    except ValueError as exc:
        raise ValueError(f"not a safe file name: {exc}") from None


def _text(value: object, *, one_line: bool = True) -> str:
    """Learner text as HTML: printable, then escaped (quotes too: safe in an attribute)."""
    return escape(printable(value, one_line=one_line))


def _course_order(notebook: str) -> tuple[int, str]:
    return (STEPS.index(notebook) if notebook in STEPS else len(STEPS), notebook)


def _notebook_sections(
    result: StudentResult, max_points_by_notebook: Mapping[str, float] | None
) -> list[tuple[NotebookResult, float]]:
    """The notebooks to show with the max each is out of: the result's own, or, when the
    course's maxima are given, every course notebook (a lacking one shown as missing)."""
    if max_points_by_notebook is None:
        in_order = sorted(result.notebooks, key=lambda nb: _course_order(nb.notebook))
        return [(nb, nb.max_score) for nb in in_order]
    sections = [
        (result.notebook(name) or NotebookResult(notebook=name, reason=MISSING), maximum)
        for name, maximum in max_points_by_notebook.items()
    ]
    sections += [
        (nb, nb.max_score) for nb in result.notebooks if nb.notebook not in max_points_by_notebook
    ]
    return sections


#: Why a test or notebook scored nothing, as grading writes it (English, for the CSV files);
#: the page says it in the student's language.
_REASONS = (MISSING, TIMED_OUT, KERNEL_DIED, UNREADABLE, TEST_CELL_MISSING, TAMPERING,
            NOT_CONFIRMED)  # fmt: skip


def _reason(reason: str, lang: str) -> str:
    """``reason`` with its known part (``kernel died``, ``not confirmed by …``) in ``lang``."""
    for known in _REASONS:
        if reason.startswith(known):
            return translate(known, lang) + reason[len(known) :]
    return reason


def _test_rows(nb: NotebookResult, lang: str = "en") -> list[str]:
    rows = []
    for t in nb.tests:
        mark = '<span class="pass">✅</span>' if t.passed else '<span class="fail">❌</span>'
        report = f"<pre>{_text(t.message, one_line=False)}</pre>" if t.message else ""
        if t.reason:
            report += f'<p class="reason">{_text(_reason(t.reason, lang))}</p>'
        rows.append(
            "<tr>"
            f"<td><code>{_text(t.test_id)}</code></td>"
            f"<td>{format_points(t.points)} / {format_points(t.max_points)}</td>"
            f"<td>{mark}</td>"
            f"<td>{report}</td>"
            "</tr>"
        )
    return rows


def _heads(lang: str) -> list[str]:
    return [translate(h, lang) for h in ("Test", "Points", "Result", "Report")]


def render_feedback(
    result: StudentResult, *, max_points_by_notebook: Mapping[str, float] | None = None
) -> str:
    """The feedback page as HTML text, from the fields of ``result`` only (see the module
    docstring); every value from the result is escaped."""
    sections = _notebook_sections(result, max_points_by_notebook)
    total = sum(nb.score for nb, _ in sections)
    maximum = sum(m for _, m in sections)
    lang = result.language  # the page speaks the student's edition
    title = escape(translate("Feedback for {student}", lang, student=printable(result.student)))
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{escape(lang)}">',
        "<head>",
        '<meta charset="utf-8">',
        # Defence in depth: even a value that escaped escaping could run nothing.
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\';'
        " style-src 'unsafe-inline'\">",
        f"<title>{title}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        f"<h1>{title}</h1>",
        f"<p>{escape(translate('Total:', lang))} "
        f"<strong>{format_points(total)} / {format_points(maximum)}</strong></p>",
    ]
    for nb, nb_max in sections:
        parts.append("<section>")
        parts.append(
            f"<h2>{_text(nb.notebook)}: {format_points(nb.score)} / {format_points(nb_max)}</h2>"
        )
        if nb.reason:
            scored = translate("Scored nothing: {reason}", lang, reason=_reason(nb.reason, lang))
            parts.append(f'<p class="reason">{_text(scored)}</p>')
        if nb.tests:
            parts += [
                "<table>",
                "<thead><tr>"
                + "".join(f"<th>{escape(head)}</th>" for head in _heads(lang))
                + "</tr></thead>",
                "<tbody>",
                *_test_rows(nb, lang),
                "</tbody>",
                "</table>",
            ]
        else:
            parts.append(f"<p>{escape(translate('No tests were graded.', lang))}</p>")
        parts.append("</section>")
    parts += ["</body>", "</html>"]
    return "\n".join(parts) + "\n"


def write_feedback(
    result: StudentResult,
    out_dir: Path,
    *,
    max_points_by_notebook: Mapping[str, float] | None = None,
    page: str | None = None,
) -> Path:
    """Write ``out_dir/<student>.html`` (or ``out_dir/<page>.html``) and return its path.

    Without ``max_points_by_notebook`` the page shows the result's own notebooks and maxima;
    with it (see :func:`grader.grading.reports.course_max_points`) it shows every course
    notebook, out of the same max as the gradebook. Raises :class:`ValueError` for a page
    name that is not a safe file name, before writing anything."""
    name = check_student_name(page or result.student)
    text = render_feedback(result, max_points_by_notebook=max_points_by_notebook)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{name}.html"
    path.write_text(text, encoding="utf-8")
    return path


def page_names(students: Iterable[str]) -> dict[str, str]:
    """Each student's page name: their own, unless another's differs from it only in case.

    Such pages would be one file on a case-insensitive file system (and an LMS's ids differ
    only in case when two accounts were made for one person): the first, in sorted order,
    keeps the name, the others get ``<name>-2``, ``<name>-3``, ... unused by anyone."""
    ordered = sorted(set(students))
    taken = {s.casefold() for s in ordered}
    names, given = {}, set()
    for student in ordered:
        name, n = student, 1
        while name.casefold() in given or (name != student and name.casefold() in taken):
            n += 1
            name = f"{student}-{n}"
        given.add(name.casefold())
        names[student] = name
    return names


def write_all_feedback(
    results: Iterable[StudentResult],
    out_dir: Path,
    *,
    max_points_by_notebook: Mapping[str, float] | None = None,
    errors: list[str] | None = None,
) -> list[Path]:
    """Write every student's page that can be written; return the paths in student order.

    A page that cannot be written (an unsafe name, a full disk) never stops the others: what
    went wrong is added to ``errors``, one line per student; without ``errors`` it is raised
    as one :class:`ValueError` once every other page is written. Students whose names differ
    only in case get distinct pages (:func:`page_names`)."""
    ordered = sorted(results, key=lambda r: r.student)
    names = page_names(r.student for r in ordered)
    written, failed = [], []
    for r in ordered:
        try:
            written.append(
                write_feedback(
                    r, out_dir, max_points_by_notebook=max_points_by_notebook, page=names[r.student]
                )
            )
        except (ValueError, OSError) as exc:
            failed.append(f"feedback for {printable(r.student, one_line=True)!r}: {exc}")
    if failed and errors is None:
        raise ValueError("; ".join(failed))
    if errors is not None:
        errors += failed
    return written
