"""What ``grader autograde`` prints, read back by the tests that run it."""

from __future__ import annotations

import re

_SKIPPED = re.compile(r"(\d+) units? already graded w(?:as|ere) skipped")


def skipped_count(printed: str) -> int:
    """The count in ``N units already graded were skipped``: one line for them all."""
    found = _SKIPPED.findall(" ".join(printed.split()))  # rich wraps long lines
    assert len(found) == 1, printed
    return int(found[0])
