"""What grading found, as plain data: per test cell, per notebook, per student.

A worker writes each unit's :class:`NotebookResult` as JSON when the unit ends; reports,
feedback and the gradebook are all made from these files, so a batch can be resumed and
re-reported without grading anyone again.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path

#: Why a notebook scored nothing as a whole (empty when it was graded normally).
MISSING = "missing"
TIMED_OUT = "timed out"
KERNEL_DIED = "kernel died"
UNREADABLE = "could not be read"
#: A test cell the submission deleted or whose grade id it changed: never run, no points.
TEST_CELL_MISSING = "test cell missing or altered in the submission"
#: A test made only in the kernel, which the learner's code reached into (grading/tamper.py).
TAMPERING = "tampering with the grader"
#: A test that passed in the kernel but whose facts the lab's records contradict.
NOT_CONFIRMED = "not confirmed by the lab's records"
#: A hand-in, notebook or output past its size cap (submissions.py, the executor).
TOO_LARGE = "too large"
#: The grader itself failed on this unit (its result could not be made or read back).
GRADING_ERROR = "grading error"

#: A unit's result is a few KB (messages are capped); a far larger file is not one.
MAX_RESULT_BYTES = 8 * 1024 * 1024


@dataclass
class TestResult:
    """One nbgrader test cell of one notebook."""

    test_id: str
    points: float
    max_points: float
    passed: bool
    message: str = ""  # the check's report (what passed, what failed, hints); never source
    reason: str = ""  # why it lost points when that is not the check's own report


@dataclass
class NotebookResult:
    notebook: str
    tests: list[TestResult] = field(default_factory=list)
    reason: str = ""
    language: str = ""  # the hand-in's edition ("en", "ko"); empty when none was graded

    @property
    def score(self) -> float:
        return sum(t.points for t in self.tests)

    @property
    def max_score(self) -> float:
        return sum(t.max_points for t in self.tests)

    def save(self, path: Path) -> None:
        """Write atomically: a unit's result file is whole or absent, so it marks it done."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".part")
        tmp.write_text(json.dumps(asdict(self), indent=2), encoding="utf-8")
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> NotebookResult:
        """Read a saved result; :class:`ValueError` (or :class:`OSError`) says what is wrong
        with a file that is not one, so that one unit, not the batch, reports the error."""
        size = path.stat().st_size
        if size > MAX_RESULT_BYTES:
            raise ValueError(f"{size} bytes, more than a result can be ({MAX_RESULT_BYTES})")
        raw = json.loads(path.read_text(encoding="utf-8", errors="surrogateescape"))
        return cls._from_dict(raw)

    @classmethod
    def _from_dict(cls, raw: object) -> NotebookResult:
        if not isinstance(raw, dict) or not isinstance(raw.get("tests"), list):
            raise ValueError("not a notebook's result (no list of tests)")
        return cls(
            notebook=_text(raw, "notebook"),
            reason=_text(raw, "reason", ""),
            language=_text(raw, "language", ""),
            tests=[_test(t) for t in raw["tests"]],
        )

    @classmethod
    def failed(cls, notebook: str, why: object) -> NotebookResult:
        """The result of a unit the grader could not grade or read back: no points, and why."""
        return cls(notebook=notebook, reason=f"{GRADING_ERROR}: {why}")


def load_or_error(path: Path, notebook: str) -> NotebookResult:
    """The result saved at ``path``, or, when it cannot be read, that unit's error."""
    try:
        result = NotebookResult.load(path)
    except (OSError, ValueError) as exc:  # json's errors are ValueErrors
        return NotebookResult.failed(notebook, f"its result file could not be read ({exc})")
    if result.notebook != notebook:
        return NotebookResult.failed(notebook, f"its result file is {result.notebook!r}'s")
    return result


def _text(raw: dict, key: str, default: str | None = None) -> str:
    value = raw.get(key, default)
    if not isinstance(value, str):
        raise ValueError(f"{key!r} is not text")
    return value


def _points(raw: dict, key: str) -> float:
    value = raw.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{key!r} is not a number of points")
    return float(value)


def _test(raw: object) -> TestResult:
    """One test's result, every field of the type the reports expect."""
    if not isinstance(raw, dict):
        raise ValueError("a test's result is not an object")
    if not isinstance(raw.get("passed"), bool):
        raise ValueError("'passed' is not true or false")
    return TestResult(
        test_id=_text(raw, "test_id"),
        points=_points(raw, "points"),
        max_points=_points(raw, "max_points"),
        passed=raw["passed"],
        message=_text(raw, "message", ""),
        reason=_text(raw, "reason", ""),
    )


@dataclass
class StudentResult:
    student: str
    notebooks: list[NotebookResult] = field(default_factory=list)
    seconds: float = 0.0
    #: What was wrong with the hand-in as a whole (its name, its size, how it was packed).
    problems: list[str] = field(default_factory=list)

    @property
    def total(self) -> float:
        return sum(n.score for n in self.notebooks)

    @property
    def max_score(self) -> float:
        return sum(n.max_score for n in self.notebooks)

    def notebook(self, name: str) -> NotebookResult | None:
        return next((n for n in self.notebooks if n.notebook == name), None)

    @property
    def language(self) -> str:
        """The edition the student worked in: that of most of their graded notebooks."""
        found = [n.language for n in self.notebooks if n.language]
        return max(dict.fromkeys(found), key=found.count) if found else "en"
