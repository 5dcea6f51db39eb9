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


def import_sdk_modules_alone() -> None:
    """Let the databricks-sdk's modules load without its package ``__init__``: 0.6 s of CPU
    per process.

    ``databricks/sdk/__init__.py`` builds ``WorkspaceClient`` and ``AccountClient``, and so
    imports every service's module, about sixty of them. The outcome audit makes no client:
    it needs the SDK's errors and a few services' dataclasses, each in a submodule of its
    own. Registering the package as a module whose ``__init__`` has not run, with the
    package's own search path, lets ``import databricks.sdk.service.compute`` load that
    module and what it imports, nothing more. ``from databricks.sdk import WorkspaceClient``
    then raises ImportError, so call this only in a process that makes no client, before
    anything imports the SDK."""
    import importlib.util

    if "databricks.sdk" in sys.modules:
        return
    spec = importlib.util.find_spec("databricks.sdk")
    if spec is not None:
        sys.modules["databricks.sdk"] = importlib.util.module_from_spec(spec)
