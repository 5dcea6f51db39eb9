"""A check's report: the learner's table as text and HTML, and how failures are raised."""

from __future__ import annotations

import pytest

from grader.checks.report import Report, Result
from grader.exceptions import CheckFailed


def failing_report() -> Report:
    report = Report("Step 03 · prepare the data")
    report.add("columns and types", True, expected="six columns", found="six columns")
    report.add(
        "incomplete rows dropped",
        False,
        expected="342 rows",
        found="344 rows",
        hint="data.dropna() removes the 2 penguins without measurements.",
    )
    return report


def test_add_returns_the_verdict_and_keeps_text() -> None:
    report = Report("t")
    assert report.add("a", 1, expected=3, found=None) is True
    assert report.add("b", []) is False
    assert report.results[0] == Result("a", True, "3", "None", "")
    assert [r.what for r in report.failures] == ["b"]


def test_text_shows_pass_fail_expected_found_hint() -> None:
    text = str(failing_report())
    lines = text.splitlines()
    assert lines[0] == "Step 03 · prepare the data: 1/2 checks passed"
    assert "  PASS  columns and types" in lines
    assert "  FAIL  incomplete rows dropped" in lines
    assert "        expected: 342 rows" in lines
    assert "        found:    344 rows" in lines
    assert "        hint:     data.dropna() removes the 2 penguins without measurements." in lines
    # a passed row shows no details
    assert "six columns" not in text
    assert repr(failing_report()) == text


def test_html_table_escapes() -> None:
    report = Report("<title>")
    report.add("<what>", False, expected="<b>", found="a & b", hint="<i>")
    html = report._repr_html_()
    assert "<title>" not in html and "&lt;title&gt;" in html
    assert "&lt;b&gt;" in html and "a &amp; b" in html and "✘ FAIL" in html
    assert html.count("<tr>") == 2


def test_raise_for_failures_raises_check_failed_with_the_table() -> None:
    with pytest.raises(CheckFailed) as info:
        failing_report().raise_for_failures()
    assert isinstance(info.value, AssertionError)  # nbgrader counts the cell as failed
    assert str(info.value) == str(failing_report())
    rendered = info.value._render_traceback_()
    assert "did not pass" in rendered[0]
    assert rendered[1:] == str(failing_report()).splitlines()
    assert "  FAIL  incomplete rows dropped" in rendered
    assert "        expected: 342 rows" in rendered


def test_all_passed_does_not_raise() -> None:
    report = Report("ok")
    report.add("one", True)
    assert report.passed and report.failures == []
    report.raise_for_failures()


def test_an_empty_report_has_not_passed() -> None:
    report = Report("nothing checked")
    assert not report.passed
    assert report.summary() == "nothing checked: 0/0 checks passed"
    with pytest.raises(CheckFailed):
        report.raise_for_failures()
