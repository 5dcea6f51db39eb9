"""Keep hidden tests hidden from the feedback, whatever the learner's kernel printed.

A test cell's message is what its error said. The learner's code runs first in the same
kernel and can make a test cell say anything: an input transformer that turns every cell
into ``raise Exception(<the cell's source>)`` would put a hidden test's source (restored by
nbgrader just before it ran) into the learner's own feedback. So every message and reason
is cleaned before it is kept:

- each line of a hidden test, and the hidden-test markers, are cut out wherever they
  appear (quoted, inside a longer line);
- a notebook whose code reached into the grader (:mod:`.tamper`) keeps no message at all:
  its kernel may have encoded the source in a way no text search finds.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import nbformat

from grader.grading.results import NotebookResult

BEGIN, END = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
#: What stands where hidden text was.
CUT = "[hidden]"
#: What a tampered notebook's tests say instead of their messages.
WITHHELD = "The message of this test is withheld: the notebook's code reached into the grader."


@cache
def hidden_lines(source: Path) -> tuple[str, ...]:
    """The lines of every hidden test of the source notebook, longest first."""
    lines: set[str] = set()
    for cell in nbformat.read(source, as_version=4).cells:
        inside = False
        for line in cell.source.splitlines():
            text = line.strip()
            if text == BEGIN:
                inside = True
            elif text == END:
                inside = False
            elif inside and text:
                lines.add(text)
    return tuple(sorted(lines | {BEGIN, END}, key=len, reverse=True))


def clean(text: str, lines: tuple[str, ...]) -> str:
    for line in lines:
        if line in text:
            text = text.replace(line, CUT)
    return text


def redact(result: NotebookResult, source: Path, *, tampered: bool = False) -> NotebookResult:
    """Cut hidden test source out of every message and reason of ``result``."""
    lines = hidden_lines(source)
    for test in result.tests:
        test.message = WITHHELD if tampered and test.message else clean(test.message, lines)
        test.reason = clean(test.reason, lines)
    result.reason = clean(result.reason, lines)
    return result
