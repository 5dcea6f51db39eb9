"""The course's short-lived processes start without imports they do not use."""

from __future__ import annotations

import json
import subprocess
import sys


def _modules_after(code: str) -> set[str]:
    """The modules a fresh interpreter has loaded after running ``code``."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(m for m, v in sys.modules.items() if v is not None)))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    return set(json.loads(done.stdout.splitlines()[-1]))


def test_nbformat_still_validates_without_the_iri_checks() -> None:
    modules = _modules_after(
        "from grader.run.startup import skip_unused_format_checks\n"
        "skip_unused_format_checks()\n"
        "import nbformat\n"
        "nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell('1 + 1')])\n"
        "nbformat.validate(nb)\n"
        "nb.cells[0]['execution_count'] = 'one'\n"
        "try:\n"
        "    nbformat.validate(nb)\n"
        "except nbformat.ValidationError:\n"
        "    pass\n"
        "else:\n"
        "    raise SystemExit('an invalid notebook passed validation')\n"
    )
    assert "nbformat" in modules and "jsonschema" in modules
    assert "rfc3987_syntax" not in modules


def test_a_notebooks_runner_imports_neither_the_sdk_nor_mlflow() -> None:
    """papermill loads every engine's entry point, ours (``databricks``) included: each of
    the course's seven runner processes would otherwise import the SDK, about a second."""
    modules = _modules_after(
        "from grader.run import warm_start\n"
        "from grader.run.startup import skip_unused_format_checks\n"
        "skip_unused_format_checks()\n"
        "import papermill.engines\n"
        "from grader.run.notebook_run import execute_notebook\n"
        "warm_start.warm_kernel_manager('pass')\n"
        "from grader.lab.steps import step_of\n"
        "assert 'databricks' in papermill.engines.papermill_engines._engines\n"
    )
    heavy = {m for m in modules if m.split(".")[0] in ("mlflow", "pyspark", "databricks")}
    assert heavy == set(), sorted(heavy)[:10]
    assert "rfc3987_syntax" not in modules


def test_the_audit_reads_records_without_the_sdks_clients() -> None:
    """The outcome audit makes no client: it loads the SDK's errors and the dataclasses of
    the records it reads, not the sixty services' modules the package's ``__init__``
    imports for its clients (0.6 s of CPU per graded unit)."""
    from grader.grading.unit import AUDIT_CODE

    setup = AUDIT_CODE.split("from grader.grading.outcomes")[0]
    modules = _modules_after(
        "import sys\n"
        + setup.replace("sys.argv[1]", "sys.path[0]").replace("; ", "\n")
        + "\nfrom grader.grading.outcomes import CONFIRM\n"
        "from grader.lab import Lab\n"
        "import grader.lab.clusters, grader.lab.serving, grader.lab.workspace\n"
        "try:\n"
        "    from databricks.sdk import WorkspaceClient\n"
        "except ImportError:\n"
        "    pass\n"
        "else:\n"
        "    raise SystemExit('the clients were loaded')\n"
    )
    assert {"databricks.sdk.errors", "databricks.sdk.service.compute"} <= modules
    assert "databricks.sdk.service.jobs" not in modules
    assert "databricks.sdk.service.catalog" not in modules
