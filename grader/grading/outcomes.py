"""Every point confirmed outside the learner's kernel, or it is not given.

A hidden test runs inside the learner's kernel, where the learner's own code ran first and
could have replaced the check. So after nbgrader is done and the kernel is gone, every test
cell's facts are checked again, in a fresh process, against the unit's lab home: the lab's
records (the data file, the MLflow store and registry, the cluster and endpoint records) or
the evidence a check cell wrote (:mod:`grader.checks.evidence`), verified here against the
lab's own data. A test keeps its points only if this audit confirms them; a test the audit
says nothing about scores 0 (:func:`confirm`): an empty audit confirms nothing.

The audit runs as ``python -I`` (no working folder, ``PYTHONPATH`` or user site on
``sys.path``) from the grader package the sandbox mounts read-only, in a working folder and
HOME the learner never had; its output is capped and schema-checked (:func:`parse`).
"""

from __future__ import annotations

import ast
import csv
import io
import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

from grader.checks.evidence import EvidenceError
from grader.checks.evidence import read as read_evidence
from grader.checks.report import Report
from grader.grading.results import NOT_CONFIRMED, NotebookResult

#: notebook → {test cell id: the confirmations that must all pass (see :data:`CONFIRM`)}.
#: Every test cell of the course is here (tests/grading/test_outcomes.py checks it).
OUTCOMES = {
    "01_provision": {
        "check_connect": ("provision.workspace",),
        "check_data": ("provision.data",),
    },
    "02_cluster": {
        "check_cluster_spec": ("cluster.spec",),
        "check_cluster_running": ("cluster.running",),
    },
    "03_data_prep": {
        "check_data_prep": ("data_prep.data",),
        "check_split": ("data_prep.split",),
    },
    "04_mlflow_run": {
        "check_mlflow_run": ("mlflow_run.params",),
        "check_mlflow_model": ("mlflow_run.model",),
    },
    "05_function": {
        "check_signature": ("function.signature",),
        "check_function_run": ("function.run", "function.hidden_run"),
    },
    "06_register_deploy": {
        "check_register": ("register",),
        "check_endpoint": ("endpoint", "endpoint.others"),
    },
    "07_cleanup": {
        "check_endpoint_deleted": ("cleanup.endpoint",),
        "check_cluster_terminated": ("cleanup.cluster",),
    },
}

#: The notebooks whose confirmations read MLflow's store; the others' read files and the
#: cluster and endpoint records, and their audit does without MLflow (a second of CPU).
READS_MLFLOW = ("04_mlflow_run", "05_function", "06_register_deploy")

AUDIT_FILE = "outcomes.json"
#: The most an audit may print (its JSON is a few KB); past it, nothing of it is believed.
MAX_OUTPUT = 256 * 1024
#: The longest report of one test the audit may give.
MAX_REPORT = 8000
#: Species the lab's model predicts.
CLASSES = (0, 1, 2, 0.0, 1.0, 2.0)


# -- the confirmations ------------------------------------------------------------------------
def _record_check(name: str) -> Callable:
    """A check of the lab's records, run here as it ran in the kernel, with no variables."""

    def confirm(lab) -> Report:
        from grader.checks.learner import Learner
        from grader.checks.registry import load

        return load(name)(lab, Learner({}))

    return confirm


def _evidence(lab, name: str, report: Report) -> dict | None:
    """The evidence ``name``; when it is missing or malformed, a failure saying so."""
    try:
        return read_evidence(lab.backend.home.root, name)
    except EvidenceError as exc:
        report.add(
            "evidence written by the test cell", False, expected="valid evidence", found=str(exc)
        )
        return None


def _workspace(lab) -> Report:
    report = Report("Step 01 · connect to the workspace (outside the kernel)")
    found = _evidence(lab, "provision.workspace", report)
    if found is not None:
        user = lab.user.user_name
        report.add(
            "me is the lab's user", found.get("user_name") == user, expected=user,
            found=repr(found.get("user_name"))[:200],
        )  # fmt: skip
    return report


def _cluster_spec(lab) -> Report:
    from grader.checks.cluster import spec
    from grader.checks.learner import Learner

    report = Report("Step 02 · the cluster spec (outside the kernel)")
    found = _evidence(lab, "cluster.spec", report)
    if found is None:
        return report
    cluster_id = found.get("cluster_id")
    if not isinstance(cluster_id, str):
        report.add("the cluster's id", False, expected="an id", found=repr(cluster_id)[:200])
        return report
    return spec(lab, Learner({"cluster": SimpleNamespace(cluster_id=cluster_id)}))


def _cluster_running(lab) -> Report:
    report = Report("Step 02 · the cluster runs (outside the kernel)")
    found = _evidence(lab, "cluster.running", report)
    if found is None:
        return report
    from grader.exceptions import ResourceNotFound

    cluster_id, state = found.get("cluster_id"), None
    if isinstance(cluster_id, str):
        try:
            state = str(lab.workspace.clusters.get(cluster_id).state.value)
        except ResourceNotFound:
            state = "no such cluster"
    report.add("the cluster's record says RUNNING", state == "RUNNING", expected="RUNNING",
               found=str(state))  # fmt: skip
    report.add(
        "Spark answered on it", found.get("spark_range_100") == 100, expected="100",
        found=repr(found.get("spark_range_100"))[:200],
    )  # fmt: skip
    return report


def prepared_rows(*, complete: bool = True) -> Counter:
    """The lab's prepared data (step 03), from the lab's own CSV: complete rows, typed
    (``complete=False``: every row, the incomplete ones with their empty measures)."""
    from grader.lab.dataset import penguins_csv

    rows = Counter()
    for row in csv.DictReader(io.StringIO(penguins_csv().decode("utf-8"))):
        if all(row.values()) or not complete:
            rows[_row([row[c] for c in _COLUMNS])] += 1
    return rows


_COLUMNS = ("Island", "CulmenLength", "CulmenDepth", "FlipperLength", "BodyMass", "Species")


def _row(values: list) -> tuple:
    """One penguin, comparable whatever float width it went through."""
    island, *measures, species = values
    return (
        str(island),
        *(None if m in (None, "") else round(float(m), 1) for m in measures),
        int(species),
    )


def _frame_rows(frame, report: Report, name: str) -> Counter | None:
    try:
        rows = Counter(_row(list(r)) for r in frame["rows"])
    except (TypeError, ValueError, KeyError):
        report.add(f"`{name}` holds penguins", False, expected="rows of the lab's columns",
                   found="something else")  # fmt: skip
        return None
    return rows


def _data(lab) -> Report:
    from grader.checks.data_prep import EXPECTED_TYPES

    report = Report("Step 03 · the prepared data (outside the kernel)")
    found = _evidence(lab, "data_prep.data", report)
    frame = (found or {}).get("data")
    if found is None:
        return report
    if not isinstance(frame, dict):
        report.add("`data` was seen", False, expected="a DataFrame", found="none")
        return report
    types = {str(k): str(v) for k, v in (frame.get("dtypes") or [])}
    report.add("columns and types", types == EXPECTED_TYPES, expected=str(EXPECTED_TYPES),
               found=str(types)[:500])  # fmt: skip
    rows = _frame_rows(frame, report, "data")
    if rows is not None:
        report.add(
            "the lab's penguins, incomplete rows dropped", rows == prepared_rows(),
            expected="the 342 complete rows of penguins.csv",
            found=f"{sum(rows.values())} rows, {'the same' if rows == prepared_rows() else 'not the same'}",
        )  # fmt: skip
    return report


def _split(lab) -> Report:
    report = Report("Step 03 · the split (outside the kernel)")
    found = _evidence(lab, "data_prep.split", report)
    if found is None:
        return report
    parts = {}
    for name in ("data", "train", "test"):
        frame = found.get(name)
        rows = _frame_rows(frame, report, name) if isinstance(frame, dict) else None
        if rows is None:
            report.add(f"`{name}` was seen", False, expected="a DataFrame", found="none")
            return report
        parts[name] = rows
    total = sum(parts["data"].values())
    # Whether incomplete rows were dropped is check_data_prep's fact, not this one's.
    report.add(
        "train and test are the data, split", parts["train"] + parts["test"] == parts["data"]
        and not parts["data"] - prepared_rows(complete=False),
        expected="train + test = data, rows of the lab's penguins",
        found=f"{sum(parts['train'].values())} + {sum(parts['test'].values())} of {total}",
    )  # fmt: skip
    ratio = sum(parts["train"].values()) / total if total else 0.0
    report.add("about 70% of rows for training", 0.6 <= ratio <= 0.8,
               expected="0.6 ≤ train share ≤ 0.8", found=f"{ratio:.2f}")  # fmt: skip
    return report


def _signature(lab) -> Report:
    from grader.checks.function import SIGNATURE

    report = Report("Step 05 · the function (outside the kernel)")
    found = _evidence(lab, "function.signature", report)
    if found is None:
        return report
    params = None
    try:
        tree = ast.parse(str(found.get("source") or ""))
        fn = next(
            n for n in tree.body
            if isinstance(n, ast.FunctionDef) and n.name == "train_penguin_model"
        )  # fmt: skip
        args = fn.args
        params = [a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)]
        if args.vararg or args.kwarg:
            params.append("*")
    except (SyntaxError, StopIteration, ValueError):
        pass
    report.add(
        "the source defines train_penguin_model(training_data, test_data, maxIterations, "
        "regularization)", params == SIGNATURE, expected=", ".join(SIGNATURE),
        found=", ".join(params) if params is not None else "no such function in its source",
    )  # fmt: skip
    return report


def _hidden_run(lab) -> Report:
    import mlflow

    from grader.checks.function import HIDDEN_MAX_ITER, HIDDEN_REG_PARAM, STEP
    from grader.checks.runs import check_outputs, check_params

    report = Report("Step 05 · the grader's call made a correct run (outside the kernel)")
    experiment = mlflow.get_experiment_by_name(lab.experiment_name + "-grading")
    report.add("the grader's call ran", experiment is not None, expected="its experiment",
               found="none" if experiment is None else experiment.name)  # fmt: skip
    if experiment is not None:
        run = check_params(lab, report, STEP, HIDDEN_MAX_ITER, HIDDEN_REG_PARAM, hint="",
                           experiment_id=experiment.experiment_id)  # fmt: skip
        if run is not None:
            check_outputs(report, run)
    return report


def _served_model(lab, report: Report, version) -> Callable | None:
    """The served version's model as a function, if it is the Spark model a finished run of
    the learner's experiment logged; else None, with the failure said in ``report``.

    Read from MLflow's store and the model's files with code the learner never ran; the
    predictions come from :mod:`.spark_pipeline`, without a JVM.
    """
    import mlflow

    from grader.grading.spark_pipeline import UnsupportedModel, load

    client = mlflow.MlflowClient()
    run = client.get_run(version.run_id) if version.run_id else None
    ours = run is not None and run.info.experiment_id == lab.experiment_id
    ours = ours and run.info.status == "FINISHED"
    report.add(
        "the version is the model of a run of yours", ours,
        expected=f"a finished run of experiment {lab.experiment_id}",
        found="no run" if run is None else f"run {run.info.run_id[:40]} of experiment "
        f"{run.info.experiment_id[:40]}, {run.info.status}",
    )  # fmt: skip
    if not ours:
        return None
    folder = _local_path(client.get_model_version_download_uri(lab.model_name, version.version))
    artifacts = _local_path(run.info.artifact_uri)
    inside = None not in (folder, artifacts) and folder.resolve().is_relative_to(
        artifacts.resolve()
    )
    report.add("its files are among that run's artifacts", inside, expected=str(artifacts)[:200],
               found=str(folder)[:200])  # fmt: skip
    if not inside:
        return None
    try:
        return load(folder)
    except UnsupportedModel as exc:
        report.add("its Spark model can be read", False, expected="the lab's pipeline",
                   found=str(exc)[:200])  # fmt: skip
        return None


def _local_path(uri: str | None) -> Path | None:
    """A ``file:`` URI (or plain path) as a path; None for anything that is not local."""
    from urllib.parse import unquote, urlparse

    if not uri:
        return None
    parsed = urlparse(str(uri))
    if parsed.scheme not in ("", "file") or parsed.netloc not in ("", "localhost"):
        return None
    return Path(unquote(parsed.path))


def _served_version(lab, report: Report):
    """The registered version the endpoint's record serves, when it is READY and serves the
    newest version; else None (the failures said in ``report``)."""
    from grader.lab import reference
    from grader.lab.records import RecordStore

    record = RecordStore(lab.backend.home.endpoints).get(reference.ENDPOINT_NAME) or {}
    ready = record.get("state") == "READY"
    report.add("the endpoint's record says READY", ready, expected="READY",
               found=str(record.get("state"))[:200])  # fmt: skip
    version = reference.latest_version(lab.model_name)
    served = (record.get("model_name"), str(record.get("model_version")))
    wanted = (lab.model_name, str(getattr(version, "version", None)))
    serves = version is not None and served == wanted
    report.add("it serves the registered version", serves, expected=str(wanted)[:200],
               found=str(served)[:200])  # fmt: skip
    return version if ready and serves else None


def _answers(lab, report: Report, records: list[dict]) -> list[float] | None:
    """What the served model answers for ``records``, computed here; None when it cannot be."""
    version = _served_version(lab, report)
    model = None if version is None else _served_model(lab, report, version)
    return None if model is None else model(records)


def _endpoint(lab) -> Report:
    from grader.lab import reference

    report = Report("Step 06 · the endpoint (outside the kernel)")
    model_says = _answers(lab, report, reference.SAMPLE_REQUEST["dataframe_records"])
    found = _evidence(lab, "endpoint", report)
    if found is not None:
        predictions = found.get("predictions")
        report.add(
            "one prediction, a valid species", isinstance(predictions, list)
            and len(predictions) == 1 and predictions[0] in CLASSES,
            expected="[0.0], [1.0] or [2.0]", found=repr(predictions)[:200],
        )  # fmt: skip
        if model_says is not None:
            report.add("it is the served model's answer", predictions == model_says,
                       expected=str(model_says), found=repr(predictions)[:200])  # fmt: skip
    return report


def _other_penguins(lab) -> Report:
    from grader.checks.register_deploy import OTHER_PENGUINS

    report = Report("Step 06 · the endpoint for other penguins (outside the kernel)")
    model_says = _answers(lab, Report(""), OTHER_PENGUINS)  # its failures: in _endpoint's
    if model_says is None:
        report.add("the served model's answers", False, expected="computed from its files",
                   found="no served model of yours (see the endpoint's checks)")  # fmt: skip
    found = _evidence(lab, "endpoint.others", report)
    if found is not None and model_says is not None:
        # What the check computed in the kernel ("expected") is not believed: the served
        # model's answers are computed here, from its files.
        answer = found.get("answer")
        report.add("the endpoint gave the model's predictions", answer == model_says,
                   expected=str(model_says), found=str(answer)[:200])  # fmt: skip
    return report


#: Confirmation name → how it is made, from the lab home of this process's environment.
CONFIRM: dict[str, Callable] = {
    "provision.workspace": _workspace,
    "provision.data": _record_check("provision.data"),
    "cluster.spec": _cluster_spec,
    "cluster.running": _cluster_running,
    "data_prep.data": _data,
    "data_prep.split": _split,
    "mlflow_run.params": _record_check("mlflow_run.params"),
    "mlflow_run.model": _record_check("mlflow_run.model"),
    "function.signature": _signature,
    "function.run": _record_check("function.run"),
    "function.hidden_run": _hidden_run,
    "register": _record_check("register"),
    "endpoint": _endpoint,
    "endpoint.others": _other_penguins,
    "cleanup.endpoint": _record_check("cleanup.endpoint"),
    "cleanup.cluster": _record_check("cleanup.cluster"),
}


# -- the audit --------------------------------------------------------------------------------
def audit(notebook: str) -> dict[str, dict]:
    """Confirm every test of ``notebook`` on the lab home of this process's environment."""
    from grader.lab import Lab
    from grader.lab.quiet import quiet

    tests = OUTCOMES.get(notebook, {})
    if not tests:
        return {}
    quiet(load_mlflow=notebook in READS_MLFLOW)
    lab = Lab()
    if notebook in READS_MLFLOW:
        lab.experiment_id = lab.backend.configure_mlflow(lab.experiment_name)
    found = {}
    for test_id, names in tests.items():
        reports = []
        for name in names:
            try:
                reports.append(CONFIRM[name](lab))
            except Exception as exc:  # a broken store is a failed outcome, not a crash
                failed = Report(name)
                failed.add("the records could be read", False, expected="readable records",
                           found=f"{type(exc).__name__}: {exc}"[:500])  # fmt: skip
                reports.append(failed)
        found[test_id] = {
            "passed": all(r.passed for r in reports),
            "report": "\n".join(str(r) for r in reports)[:MAX_REPORT],
        }
    return found


def unconfirmed(notebook: str, why: str) -> dict[str, dict]:
    """The audit of a notebook whose audit could not be made or believed: nothing holds."""
    report = Report("The grader's check outside your notebook")
    report.add("it could be made", False, expected="a result", found=why)
    return {test: {"passed": False, "report": str(report)} for test in OUTCOMES.get(notebook, {})}


def parse(output: bytes, notebook: str) -> dict[str, dict]:
    """The audit's printed result, checked: one JSON object on its last line, only this
    notebook's test ids, each with a boolean ``passed`` and a short string ``report``.

    Raises ``ValueError`` naming what was wrong.
    """
    if len(output) > MAX_OUTPUT:
        raise ValueError(f"its output is larger than {MAX_OUTPUT} bytes")
    lines = output.decode("utf-8", "replace").strip().splitlines()
    if not lines:
        raise ValueError("it printed nothing")
    found = json.loads(lines[-1])
    if not isinstance(found, dict):
        raise ValueError("its result is not a JSON object")
    known = OUTCOMES.get(notebook, {})
    for test, entry in found.items():
        if test not in known:
            raise ValueError(f"it names a test this notebook does not have: {test[:80]!r}")
        if (
            not isinstance(entry, dict)
            or set(entry) != {"passed", "report"}
            or not isinstance(entry["passed"], bool)
            or not isinstance(entry["report"], str)
            or len(entry["report"]) > MAX_REPORT
        ):
            raise ValueError(f"its entry for {test!r} is malformed")
    return found


def confirm(result: NotebookResult, found: dict[str, dict]) -> NotebookResult:
    """Fail closed: a test with points that the audit did not confirm scores 0, with why.

    (A test the audit refuted was already zeroed, with the audit's report, by collect.)
    """
    from grader.checks.report import first_failure

    for test in result.tests:
        entry = found.get(test.test_id)
        if test.points <= 0 or (entry is not None and entry.get("passed") is True):
            continue
        if entry is None:
            why = "nothing outside the kernel confirms this test"
        else:
            why = first_failure(str(entry.get("report", "")))
            test.message = str(entry.get("report", ""))[:MAX_REPORT]
        test.points, test.passed, test.reason = 0.0, False, f"{NOT_CONFIRMED}: {why}"
    return result


def write_audit(root: Path, notebook: str) -> None:
    (root / AUDIT_FILE).write_text(json.dumps(audit(notebook), indent=2), encoding="utf-8")


def read_audit(root: Path) -> dict[str, dict]:
    try:
        found = json.loads((root / AUDIT_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def main(argv: list[str] | None = None) -> int:
    """``python -I -m grader.grading.outcomes NOTEBOOK``: print the audit as one JSON line."""
    import sys

    notebook = (argv if argv is not None else sys.argv[1:])[0]
    found = audit(notebook)
    sys.stdout.flush()
    print("\n" + json.dumps(found), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
