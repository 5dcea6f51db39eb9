"""Checks of outcomes, made outside the learner's kernel.

A hidden test runs inside the learner's kernel, where the learner's own code ran first and
could have replaced the check. So after nbgrader is done and the kernel is gone, the facts
that live in the lab's records (the data file, the MLflow store and registry, the cluster
and endpoint records) are checked again, in a fresh process, against the unit's lab home.
A test cell keeps its points only if these agree.
"""

from __future__ import annotations

import json
from pathlib import Path

#: notebook → {test cell id: check name}: the tests whose facts can be read from records.
OUTCOMES = {
    "01_provision": {"check_data": "provision.data"},
    "04_mlflow_run": {
        "check_mlflow_run": "mlflow_run.params",
        "check_mlflow_model": "mlflow_run.model",
    },
    "05_function": {"check_function_run": "function.run"},
    "06_register_deploy": {"check_register": "register"},
    "07_cleanup": {
        "check_endpoint_deleted": "cleanup.endpoint",
        "check_cluster_terminated": "cleanup.cluster",
    },
}

#: The notebooks whose audited checks read MLflow's store; the others' read files and the
#: cluster and endpoint records, and their audit does without MLflow (a second of CPU).
READS_MLFLOW = ("04_mlflow_run", "05_function", "06_register_deploy")

AUDIT_FILE = "outcomes.json"


def audit(notebook: str) -> dict[str, dict]:
    """Run the notebook's record checks on the lab home of this process's environment."""
    from grader.checks.learner import Learner
    from grader.checks.registry import load
    from grader.lab import Lab
    from grader.lab.quiet import quiet

    checks = OUTCOMES.get(notebook, {})
    if not checks:
        return {}
    quiet()
    lab = Lab()
    if notebook in READS_MLFLOW:
        lab.experiment_id = lab.backend.configure_mlflow(lab.experiment_name)
    found = {}
    for test_id, name in checks.items():
        try:
            report = load(name)(lab, Learner({}))
            found[test_id] = {"passed": report.passed, "report": str(report)}
        except Exception as exc:  # a broken store is a failed outcome, not a crash
            found[test_id] = {"passed": False, "report": f"{type(exc).__name__}: {exc}"}
    return found


def write_audit(root: Path, notebook: str) -> None:
    (root / AUDIT_FILE).write_text(json.dumps(audit(notebook), indent=2), encoding="utf-8")


def read_audit(root: Path) -> dict[str, dict]:
    try:
        return json.loads((root / AUDIT_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def main(argv: list[str] | None = None) -> int:
    """``python -m grader.grading.outcomes NOTEBOOK``: print the audit as one JSON line."""
    import sys

    notebook = (argv if argv is not None else sys.argv[1:])[0]
    found = audit(notebook)
    sys.stdout.flush()
    print("\n" + json.dumps(found), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
