"""Hidden tests stay hidden from the feedback, whatever a learner's kernel made a test say."""

from __future__ import annotations

from grader.grading.hidden import CUT, WITHHELD, hidden_lines, redact
from grader.grading.results import NotebookResult
from grader.grading.results import TestResult as Result
from tests.notebooks.conftest import SOLUTIONS

SOURCE = SOLUTIONS / "05_function.ipynb"


def test_the_hidden_lines_are_those_between_the_markers():
    lines = hidden_lines(SOURCE)
    assert 'lab.check("function.hidden_call")' in lines
    assert 'lab.check("function.run")' not in lines  # the visible part of the same cell


def test_a_test_that_quotes_its_own_source_shows_none_of_the_hidden_part():
    quoted = (
        'Exception: lab.check("function.run")\n### BEGIN HIDDEN TESTS\n'
        'lab.check("function.hidden_call")\n### END HIDDEN TESTS'
    )
    result = NotebookResult(
        "05_function",
        [Result("check_function_run", 4.0, 4.0, True, quoted, f"see {quoted}")],
    )
    redact(result, SOURCE)
    for text in (result.tests[0].message, result.tests[0].reason):
        assert "hidden_call" not in text and "HIDDEN TESTS" not in text
        assert CUT in text and 'lab.check("function.run")' in text


def test_a_tampered_notebook_keeps_no_message_at_all():
    encoded = "Exception: bGFiLmNoZWNrKCJmdW5jdGlvbi5oaWRkZW5fY2FsbCIp"  # base64 of the source
    result = NotebookResult("05_function", [Result("check_function_run", 0.0, 4.0, False, encoded)])
    redact(result, SOURCE, tampered=True)
    assert result.tests[0].message == WITHHELD
