"""A recorded trace replayed against the fake: the fake must answer each request with the
recorded status and a response of the recorded shape.

Traces are JSON lines as :mod:`grader.lab.databricks.trace` writes them. Shipped here:
``traces/reference.jsonl``, written by hand from the API's documented shapes (the SDK's
dataclasses, generated from the REST reference's specification) and the workspace errors
quoted in CONTRACT.md's sources. A live run's trace (``nox -s databricks`` writes
``build/databricks/trace.jsonl``) is replayed too when it is there. Ids the workspace made
(a cluster id, a run id) are mapped to the ones the fake makes as the replay goes;
``<user>`` and ``<display name>`` stand for the fake's user.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import requests
from databricks.sdk import WorkspaceClient

from grader.config import Settings
from grader.lab.databricks.backend import DatabricksBackend

HERE = Path(__file__).parent
TRACES = [HERE / "traces" / "reference.jsonl"]
LIVE = HERE.parents[1] / "build" / "databricks" / "trace.jsonl"


def shape_differences(recorded: Any, answered: Any, where: str = "") -> list[str]:
    """Where ``answered`` lacks a field of ``recorded`` or has another JSON type there."""
    if recorded is None:
        return []
    if isinstance(recorded, dict):
        if not isinstance(answered, dict):
            return [f"{where or 'body'}: an object was recorded, the fake sent {answered!r:.80}"]
        return [d for key, value in recorded.items()
                for d in (shape_differences(value, answered[key], f"{where}.{key}")
                          if key in answered else [f"{where}.{key}: missing"])]  # fmt: skip
    if isinstance(recorded, list):
        if not isinstance(answered, list):
            return [f"{where}: a list was recorded"]
        return shape_differences(recorded[0], answered[0], f"{where}[0]") if (
            recorded and answered) else []  # fmt: skip
    number = (int, float)
    if isinstance(recorded, number) and not isinstance(recorded, bool):
        ok = isinstance(answered, number) and not isinstance(answered, bool)
    else:
        ok = type(answered) is type(recorded)
    return (
        [] if ok else [f"{where}: {type(recorded).__name__} recorded, fake sent {answered!r:.60}"]
    )


def _ids(recorded: Any, answered: Any, found: dict[str, str]) -> None:
    """Learn recorded id → the fake's id from two answers of the same shape."""
    if isinstance(recorded, dict) and isinstance(answered, dict):
        for key, value in recorded.items():
            other = answered.get(key)
            if key.endswith("id") and isinstance(value, (str, int)) and other not in (None, value):
                found[str(value)] = str(other)
            _ids(value, other, found)


def replay(lines: list[str], fake) -> list[str]:
    """Send each recorded request to the fake; every difference in status or shape."""
    ids = {"<user>": fake.user_name, "<display name>": fake.display_name}
    differences = []
    for number, line in enumerate(lines, 1):
        entry = json.loads(_mapped(line, ids))
        answer = requests.request(
            entry["method"], fake.url + entry["path"], params=entry["query"],
            json=entry["request"], headers={"Authorization": f"Bearer {fake.token}"}, timeout=30,
        )  # fmt: skip
        body = answer.json() if "json" in answer.headers.get("content-type", "") else None
        where = f"line {number}: {entry['method']} {entry['path']}"
        if answer.status_code != entry["status"]:
            differences.append(f"{where}: status {answer.status_code}, recorded {entry['status']}"
                               f" ({(body or {}).get('message', '')})")  # fmt: skip
            continue
        differences += [f"{where}: {d}" for d in shape_differences(entry["response"], body)]
        _ids(json.loads(line)["response"], body, ids)
    return differences


def _mapped(line: str, ids: dict[str, str]) -> str:
    for recorded, fake_value in ids.items():
        line = line.replace(recorded, fake_value)
    return line


def _traces() -> list[Path]:
    return TRACES + ([LIVE] if LIVE.is_file() else [])


@pytest.mark.parametrize("trace", _traces(), ids=lambda p: p.name)
def test_the_fake_answers_a_trace_as_the_workspace_did(fake_databricks, trace: Path) -> None:
    lines = [line for line in trace.read_text().splitlines() if line.strip()]
    assert lines
    assert replay(lines, fake_databricks) == []


def test_the_replay_fails_where_the_fake_answers_differently(fake_databricks) -> None:
    lines = TRACES[0].read_text().splitlines()
    changed = [json.loads(line) for line in lines]
    changed[2]["status"] = 200  # the refused is_single_node create, recorded as accepted
    changed[5]["response"]["state"] = 3  # a number where the fake sends a string
    changed[5]["response"]["workload_type"] = {"clients": {}}  # a field the fake lacks
    found = replay([json.dumps(e) for e in changed], fake_databricks)
    assert len(found) == 3, found
    assert "line 3: POST /api/2.1/clusters/create: status 400, recorded 200" in found[0]
    assert found[1].endswith(".state: int recorded, fake sent 'PENDING'")
    assert found[2].endswith(".workload_type: missing")


@pytest.fixture
def restore_requests_hooks():
    import requests.sessions

    made = requests.sessions.default_hooks
    yield
    requests.sessions.default_hooks = made


@pytest.mark.usefixtures("restore_requests_hooks")
def test_a_recorded_run_is_redacted_and_replays(fake_databricks, tmp_path, monkeypatch) -> None:
    """The recorder on the fake: no token or user name in the file, and the file replays."""
    trace = tmp_path / "trace.jsonl"
    monkeypatch.setenv("MLFLOW_LAB_TRACE", str(trace))
    backend = DatabricksBackend(Settings.from_env())
    w = backend.workspace_client()
    w.clusters.select_spark_version(latest=True, long_term_support=True, ml=True, scala="2.13")
    w.workspace.mkdirs(w.names.notebooks_folder)
    with pytest.raises(Exception, match="does not exist"):
        WorkspaceClient().clusters.get("0000-000000-nothing0")
    text = trace.read_text()
    assert fake_databricks.token not in text and fake_databricks.user_name not in text
    assert "Jane Doe" not in text and "<user>" in text
    paths = [json.loads(line)["path"] for line in text.splitlines()]
    assert "/api/2.0/preview/scim/v2/Me" in paths and "/api/2.1/clusters/get" in paths
    fresh = type(fake_databricks)(tmp_path / "fresh").start()
    try:
        assert replay(text.splitlines(), fresh) == []
    finally:
        fresh.stop()
