"""What grading found, as plain data: per test cell, per notebook, per student.

A worker writes each unit's :class:`NotebookResult` as JSON when the unit ends; reports,
feedback and the gradebook are all made from these files, so a batch can be resumed and
re-reported without grading anyone again.
"""

from __future__ import annotations

import json
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
        raw = json.loads(path.read_text(encoding="utf-8"))
        return cls._from_dict(raw)

    @classmethod
    def _from_dict(cls, raw: dict) -> NotebookResult:
        return cls(
            notebook=raw["notebook"],
            reason=raw.get("reason", ""),
            language=raw.get("language", ""),
            tests=[TestResult(**t) for t in raw["tests"]],
        )


@dataclass
class StudentResult:
    student: str
    notebooks: list[NotebookResult] = field(default_factory=list)
    seconds: float = 0.0

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
