"""What the course's short-lived Python processes leave out when they start.

The course runs each notebook from a child process of its own (:mod:`grader.run.warm_start`),
and grading runs nbgrader once per student and notebook (:mod:`grader.grading.autograde_unit`):
dozens of starts per run, each paying its imports again.
"""

from __future__ import annotations

import sys


def skip_unused_format_checks() -> None:
    """Keep jsonschema from loading its IRI format checker: 0.7 s of CPU per process.

    nbformat validates notebooks with jsonschema, which at import builds the grammar of
    the optional ``rfc3987_syntax`` package for the "iri" string formats; no notebook
    schema uses them. A ``None`` in ``sys.modules`` makes that optional import fail at
    once, as if the package were not installed, and jsonschema goes without those two
    checks. Call it before anything imports nbformat."""
    sys.modules.setdefault("rfc3987_syntax", None)
