"""A check's answer to the learner: a small table of what passed and what did not.

Every failure says what was expected, what was found and a hint. In Jupyter the report
shows as an HTML table (check, passed or not, expected, found, hint); raised as
:class:`CheckFailed` it shows as the same table in text (never a bare ``AssertionError``),
and nbgrader counts the test cell as failed. Labels follow ``MLFLOW_LAB_LANG``, like the
checks' own messages.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

from grader.checks.i18n import t
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
        return t(
            "{title}: {ok}/{total} checks passed", title=self.title, ok=ok, total=len(self.results)
        )

    def __str__(self) -> str:
        lines = [self.summary()]
        labels = [t("expected"), t("found"), t("hint")]
        width = max(len(label) for label in labels) + 1
        for r in self.results:
            lines.append(f"  {t('PASS') if r.passed else t('FAIL')}  {r.what}")
            if not r.passed:
                for label, text in zip(labels, (r.expected, r.found, r.hint), strict=True):
                    if text or label != labels[2]:
                        lines.append(f"        {(label + ':').ljust(width)} {text}")
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        """The table a notebook shows: a row per check; a failure's row says what was
        expected, what was found and a hint."""
        cells = "".join
        rows = []
        for r in self.results:
            # ✔/✘ and a word: readable without an emoji font, and in the learner's language.
            colour, sign = ("green", "✔") if r.passed else ("#c00", "✘")
            label = t("PASS") if r.passed else t("FAIL")
            mark = f'<span style="color:{colour};white-space:nowrap">{sign} {label}</span>'
            details = (
                ["", "", ""]
                if r.passed
                else [
                    f"<code>{html.escape(r.expected)}</code>",
                    f"<code>{html.escape(r.found)}</code>",
                    html.escape(r.hint),
                ]
            )
            rows.append(
                "<tr>"
                + cells(
                    f'<td style="text-align:left">{c}</td>'
                    for c in [mark, html.escape(r.what), *details]
                )
                + "</tr>"
            )
        heads = ["", t("check"), t("expected"), t("found"), t("hint")]
        state = "passed" if self.passed else "failed"
        return (
            f'<div class="mlflow-lab-check" data-state="{state}">'
            f"<b>{html.escape(self.summary())}</b>"
            "<table><tr>"
            + cells(f'<th style="text-align:left">{h}</th>' for h in heads)
            + "</tr>"
            + cells(rows)
            + "</table></div>"
        )

    def raise_for_failures(self) -> None:
        if not self.passed:
            raise SelfCheckFailed(str(self))


class SelfCheckFailed(CheckFailed):
    """Shown by IPython as the report's text only, without a traceback."""

    def _render_traceback_(self) -> list[str]:
        return [f"\x1b[31m{t('Some checks did not pass yet:')}\x1b[0m", *str(self).splitlines()]


def first_failure(report_text: str) -> str:
    """The first failed fact of a check's report (its text, as :meth:`Report.__str__`
    writes it), in one line and in the report's language: the per-test reason grading
    gives."""
    from grader.checks.i18n import translate
    from grader.config import LANGUAGES

    lines = [line.strip() for line in report_text.splitlines()]
    for lang in LANGUAGES:
        fail, expected, found = (translate(w, lang) for w in ("FAIL", "expected", "found"))
        for i, line in enumerate(lines):
            if not line.startswith(fail + " "):
                continue
            detail = {
                key: rest.strip()
                for key, _, rest in (entry.partition(":") for entry in lines[i + 1 : i + 3])
                if key in (expected, found)
            }
            what = line[len(fail) :].strip()
            if detail:
                return translate(
                    "{what}: expected {expected}, found {found}",
                    lang,
                    what=what,
                    expected=detail.get(expected, "?"),
                    found=detail.get(found, "?"),
                )
            return what
    return "check failed"
