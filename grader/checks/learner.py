"""The learner's notebook variables, as a check sees them.

A check asks for ``data`` or ``train_penguin_model`` by name; when the learner has not
made it yet, the check records a failure that says so (with a hint) instead of crashing
with a ``NameError``.
"""

from __future__ import annotations

from typing import Any

from grader.checks.i18n import t
from grader.checks.report import Report

MISSING = object()


class Learner:
    def __init__(self, namespace: dict[str, Any]) -> None:
        self._namespace = namespace

    def get(self, name: str, report: Report, *, expected: str, hint: str) -> Any:
        """The variable ``name``, or :data:`MISSING` after adding a failed result."""
        value = self._namespace.get(name, MISSING)
        if value is MISSING:
            report.add(
                t("`{name}` exists", name=name),
                False,
                expected=expected,
                found=t("no variable named {name}", name=name),
                hint=hint,
            )
        return value

    def optional(self, name: str) -> Any:
        """The variable ``name`` or None: for facts that can be checked without it."""
        return self._namespace.get(name)
