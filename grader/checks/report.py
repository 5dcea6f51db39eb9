"""A check's answer to the learner: a small table of what passed and what did not.

Every failure says what was expected, what was found and a hint. In Jupyter the report
shows as an HTML table; raised as :class:`CheckFailed` it shows as the same table in text
(never a bare ``AssertionError``), and nbgrader counts the test cell as failed.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

from grader.exceptions import CheckFailed


@dataclass(frozen=True)
class Result:
    """One fact about the learner's work."""

    what: str
    passed: bool
    expected: str = ""
    found: str = ""
    hint: str = ""


@dataclass
class Report:
    title: str
    results: list[Result] = field(default_factory=list)

    def add(self, what: str, passed: bool, *, expected="", found="", hint="") -> bool:
        self.results.append(Result(what, bool(passed), str(expected), str(found), hint))
        return bool(passed)

    @property
    def passed(self) -> bool:
        return bool(self.results) and all(r.passed for r in self.results)

    @property
    def failures(self) -> list[Result]:
        return [r for r in self.results if not r.passed]

    def summary(self) -> str:
        ok = sum(r.passed for r in self.results)
        return f"{self.title}: {ok}/{len(self.results)} checks passed"

    def __str__(self) -> str:
        lines = [self.summary()]
        for r in self.results:
            lines.append(f"  {'PASS' if r.passed else 'FAIL'}  {r.what}")
            if not r.passed:
                lines.append(f"        expected: {r.expected}")
                lines.append(f"        found:    {r.found}")
                if r.hint:
                    lines.append(f"        hint:     {r.hint}")
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        rows = []
        for r in self.results:
            mark = "✅" if r.passed else "❌"
            detail = (
                ""
                if r.passed
                else f"expected <code>{html.escape(r.expected)}</code>, "
                f"found <code>{html.escape(r.found)}</code><br><i>{html.escape(r.hint)}</i>"
            )
            rows.append(f"<tr><td>{mark}</td><td>{html.escape(r.what)}</td><td>{detail}</td></tr>")
        return (
            f"<b>{html.escape(self.summary())}</b>"
            "<table><tr><th></th><th>check</th><th>details</th></tr>" + "".join(rows) + "</table>"
        )

    def raise_for_failures(self) -> None:
        if not self.passed:
            raise SelfCheckFailed(str(self))


class SelfCheckFailed(CheckFailed):
    """Shown by IPython as the report's text only, without a traceback."""

    def _render_traceback_(self) -> list[str]:
        return ["\x1b[31mSome checks did not pass yet:\x1b[0m", *str(self).splitlines()]
