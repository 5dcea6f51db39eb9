"""Per-student HTML feedback: made from the result only, escaped, and safely named."""

from __future__ import annotations

import re
from html import escape
from html.parser import HTMLParser
from pathlib import Path

import pytest

from grader.grading.feedback import (
    check_student_name,
    render_feedback,
    write_all_feedback,
    write_feedback,
)
from grader.grading.reports import format_points
from grader.grading.results import MISSING, TIMED_OUT, NotebookResult, StudentResult
from grader.grading.results import TestResult as CellResult  # not collected by pytest

SCRIPT = "<script>alert('pwned')</script>"
HIDDEN = "### BEGIN HIDDEN TESTS\nassert endpoint.others == []\n### END HIDDEN TESTS"
#: Every piece of text the page adds itself; anything else must come from the result.
TEMPLATE_TEXT = (
    "Feedback for",
    "Total:",
    "Scored nothing:",
    "No tests were graded.",
    "Test",
    "Points",
    "Result",
    "Report",
    "✅",
    "❌",
    "/",
    ":",
)


def cell(test_id: str, points: float, max_points: float, message: str = "", reason: str = ""):
    return CellResult(test_id, points, max_points, points == max_points, message, reason)


def full_marks() -> StudentResult:
    return StudentResult(
        "alice",
        [
            NotebookResult(
                "01_provision",
                [cell("provision_workspace", 1, 1, "workspace exists: ok\nclusters: 0")],
            ),
            NotebookResult("04_mlflow_run", [cell("mlflow_run_logged", 2.5, 2.5, "3 runs logged")]),
        ],
    )


def troubled() -> StudentResult:
    """A failed test with an untrusted message, a test with a reason, a missing notebook and a
    timed-out one."""
    return StudentResult(
        "bob.smith@example-1",
        [
            NotebookResult(
                "04_mlflow_run",
                [
                    cell("mlflow_run_logged", 0, 2.5, f"expected 3 runs, found 1 & {SCRIPT}"),
                    cell(
                        "mlflow_params", 0.5, 1, "params: <alpha> missing", reason="partial credit"
                    ),
                ],
            ),
            NotebookResult("03_data_prep", reason=MISSING),
            NotebookResult("05_function", [cell("function_defined", 0, 1)], reason=TIMED_OUT),
        ],
    )


def leaky() -> StudentResult:
    """A check whose message quotes hidden-test text: the page may show it only as the
    message it is, escaped."""
    return StudentResult(
        "carol", [NotebookResult("07_cleanup", [cell("cleanup_done", 0, 1, HIDDEN)])]
    )


class Texts(HTMLParser):
    """The text nodes of a page (outside <style>) and its tags."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self.tags: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if not self._in_style and data.strip():
            self.texts.append(data)


def parse(html_text: str) -> Texts:
    parser = Texts()
    parser.feed(html_text)
    parser.close()
    return parser


def result_values(result: StudentResult) -> list[str]:
    values = [result.student]
    for nb in result.notebooks:
        values += [nb.notebook, nb.reason, format_points(nb.score), format_points(nb.max_score)]
        for t in nb.tests:
            values += [
                t.test_id,
                t.message,
                t.reason,
                format_points(t.points),
                format_points(t.max_points),
            ]
    values += [format_points(result.total), format_points(result.max_score)]
    return values


@pytest.mark.parametrize("make", [full_marks, troubled, leaky])
def test_page_text_is_only_the_results_fields_and_the_template(make):
    result = make()
    page = parse(render_feedback(result))
    removable = sorted(
        {v for v in result_values(result) if v} | set(TEMPLATE_TEXT), key=len, reverse=True
    )
    for text in page.texts:
        residue = text
        for value in removable:
            residue = residue.replace(value, " ")
        assert residue.strip() == "", f"text not from the result: {residue.strip()!r} in {text!r}"
    assert "script" not in page.tags


def test_feedback_shows_scores_tests_messages_and_reasons(tmp_path):
    path = write_feedback(troubled(), tmp_path / "feedback")
    assert path == tmp_path / "feedback" / "bob.smith@example-1.html"
    html_text = path.read_text(encoding="utf-8")
    assert html_text.startswith("<!DOCTYPE html>")
    assert "<title>Feedback for bob.smith@example-1</title>" in html_text
    assert "Total: <strong>0.5 / 4.5</strong>" in html_text  # missing 03 has no tests
    assert "<h2>04_mlflow_run: 0.5 / 3.5</h2>" in html_text
    assert "<h2>03_data_prep: 0 / 0</h2>" in html_text
    assert "Scored nothing: missing" in html_text and "Scored nothing: timed out" in html_text
    for test_id in ("mlflow_run_logged", "mlflow_params", "function_defined"):
        assert f"<code>{test_id}</code>" in html_text
    assert "<pre>params: &lt;alpha&gt; missing</pre>" in html_text
    assert "partial credit" in html_text
    assert html_text.count("❌") == 3 and "✅" not in html_text
    headings = re.findall(r"<h2>([^:]+):", html_text)
    assert headings == ["03_data_prep", "04_mlflow_run", "05_function"]  # course order


def test_full_marks_page_shows_every_test_passed(tmp_path):
    html_text = write_feedback(full_marks(), tmp_path).read_text(encoding="utf-8")
    assert html_text.count("✅") == 2 and "❌" not in html_text
    assert "Total: <strong>3.5 / 3.5</strong>" in html_text
    assert "<pre>workspace exists: ok\nclusters: 0</pre>" in html_text


def test_script_in_a_message_comes_out_escaped(tmp_path):
    html_text = write_feedback(troubled(), tmp_path).read_text(encoding="utf-8")
    assert "<script" not in html_text.lower()
    assert escape(f"expected 3 runs, found 1 & {SCRIPT}") in html_text
    assert "&lt;script&gt;alert(&#x27;pwned&#x27;)&lt;/script&gt;" in html_text


def test_render_escapes_the_student_name_too():
    result = StudentResult(
        "<b onmouseover=x>", [NotebookResult("01_provision", [cell("t<1>", 1, 1)])]
    )
    html_text = render_feedback(result)
    assert "<b onmouseover" not in html_text and "&lt;b onmouseover=x&gt;" in html_text
    assert "<code>t&lt;1&gt;</code>" in html_text


def test_hidden_test_text_appears_only_as_an_escaped_message(tmp_path, monkeypatch):
    # Source that feedback must never read, planted where a careless writer might look.
    for student in ("alice", "carol", "bob.smith@example-1"):
        folder = tmp_path / "submitted" / student / "mlflow_lab"
        folder.mkdir(parents=True)
        (folder / "07_cleanup.ipynb").write_text("SECRET-HIDDEN-SOURCE " + HIDDEN, encoding="utf-8")
    monkeypatch.chdir(tmp_path)

    paths = write_all_feedback([leaky(), full_marks(), troubled()], tmp_path / "feedback")
    pages = {p.stem: p.read_text(encoding="utf-8") for p in paths}
    assert list(pages) == ["alice", "bob.smith@example-1", "carol"]
    assert all("SECRET-HIDDEN-SOURCE" not in page for page in pages.values())
    assert f"<pre>{escape(HIDDEN)}</pre>" in pages["carol"]
    assert pages["carol"].count("HIDDEN TESTS") == 2  # BEGIN and END, from the message only
    assert (
        "HIDDEN TESTS" not in pages["alice"] and "HIDDEN TESTS" not in pages["bob.smith@example-1"]
    )


def test_course_maxima_show_a_lacking_notebook_as_missing(tmp_path):
    maxima = {"01_provision": 1.0, "04_mlflow_run": 2.5, "07_cleanup": 2.0}
    html_text = write_feedback(full_marks(), tmp_path, max_points_by_notebook=maxima).read_text(
        encoding="utf-8"
    )
    assert "Total: <strong>3.5 / 5.5</strong>" in html_text
    assert "<h2>07_cleanup: 0 / 2</h2>" in html_text and "Scored nothing: missing" in html_text
    headings = re.findall(r"<h2>([^:]+):", html_text)
    assert headings == ["01_provision", "04_mlflow_run", "07_cleanup"]


@pytest.mark.parametrize(
    "name",
    [
        "../evil",
        "a/b",
        "a\\b",
        ".hidden",
        "",
        "a b",
        "<script>",
        "zoë",
        "x" * 65,
        "-x",
        "a\nb",
        "con:x",
    ],
)
def test_unsafe_student_names_are_refused_before_writing(tmp_path, name):
    out_dir = tmp_path / "feedback"
    with pytest.raises(ValueError, match="not a safe file name"):
        write_feedback(StudentResult(name), out_dir)
    assert not out_dir.exists()
    # In a class, the unsafe name's page is refused and the other students' are still written.
    with pytest.raises(ValueError, match="not a safe file name"):
        write_all_feedback([full_marks(), StudentResult(name)], out_dir)
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["alice.html", "feedback"]


def test_a_page_that_cannot_be_written_is_an_error_of_that_student_only(tmp_path):
    errors: list[str] = []
    paths = write_all_feedback(
        [full_marks(), StudentResult("../evil"), troubled()], tmp_path, errors=errors
    )
    assert sorted(p.name for p in paths) == ["alice.html", "bob.smith@example-1.html"]
    assert len(errors) == 1 and "'../evil'" in errors[0] and "not a safe file name" in errors[0]


@pytest.mark.parametrize("name", ["alice", "bob.smith@example-1", "A_B-9", "x" * 64])
def test_safe_student_names_are_accepted(name):
    assert check_student_name(name) == name


def test_students_differing_only_in_case_get_pages_of_their_own(tmp_path):
    students = [StudentResult("alice"), StudentResult("Alice"), StudentResult("Alice-2")]
    paths = write_all_feedback(students, tmp_path / "fb")
    names = sorted(p.name for p in paths)
    assert len({n.casefold() for n in names}) == 3, names  # distinct on any file system
    assert "Alice-2.html" in names  # a real student's name is never given to another
    for result in students:
        page = next(p for p in paths if f"Feedback for {result.student}<" in p.read_text())
        assert page.name.startswith(result.student)


def test_write_all_feedback_returns_one_page_per_student_in_order(tmp_path):
    paths = write_all_feedback([troubled(), full_marks()], tmp_path)
    assert paths == [tmp_path / "alice.html", tmp_path / "bob.smith@example-1.html"]
    assert all(isinstance(p, Path) and p.is_file() for p in paths)


def test_hostile_text_makes_a_valid_page_that_shows_it_inert(tmp_path):
    hostile = "\ud800\x00\x1b[31m" + SCRIPT + "\u202e"
    result = StudentResult(
        "alice", [NotebookResult(hostile, [cell(hostile, 0, 1, hostile, hostile)], hostile)]
    )
    (page,) = write_all_feedback([result], tmp_path)
    text = page.read_bytes().decode("utf-8")
    assert SCRIPT not in text and escape(SCRIPT) in text
    assert "\ufffd" in text and not any(ch in text for ch in "\x00\x1b\u202e")
