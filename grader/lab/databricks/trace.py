"""A record of every request the lab sends the workspace and its answer, for checking the
tests' fake workspace against a real one.

With ``MLFLOW_LAB_TRACE`` set (``nox -s databricks`` sets it to
``build/databricks/trace.jsonl``), each kernel of the course appends one JSON line per
answered request to the workspace's host: method, path, query, request body, status and
response body. Secrets never reach the file: no header is kept, and the token, the user's
name, display name and e-mail (learned from the SCIM ``Me`` answer) are replaced by
``<token>``, ``<user>`` and ``<display name>`` wherever they occur. The recorder is a
``requests`` response hook on every session made after :func:`record_to` (the SDK's and
MLflow's), the library's own extension point for watching responses. Requests that code on
the cluster sends (steps 03-05 run there) are not in it: only this kernel's.
"""

from __future__ import annotations

import json
import os
import threading
import urllib.parse
from pathlib import Path
from typing import Any

import requests
import requests.sessions

_LOCK = threading.Lock()
ME_PATH = "/api/2.0/preview/scim/v2/Me"


class TraceRecorder:
    """Appends redacted request/response pairs to one JSON-lines file."""

    def __init__(self, path: Path, host: str) -> None:
        self.path = path
        self.host = urllib.parse.urlsplit(host).netloc
        self.secrets: dict[str, str] = {}
        #: stop recording in sessions made later (set by :func:`record_to`)
        self.stop = lambda: None

    def learn(self, value: str | None, placeholder: str) -> None:
        if value and len(value) > 2:
            self.secrets[value] = placeholder

    def redact(self, text: str) -> str:
        for secret in sorted(self.secrets, key=len, reverse=True):
            text = text.replace(secret, self.secrets[secret])
        return text

    def __call__(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        """The response hook: record the pair if it went to the workspace."""
        request = response.request
        url = urllib.parse.urlsplit(request.url or "")
        if url.netloc != self.host:
            return
        auth = request.headers.get("Authorization", "")
        self.learn(auth.removeprefix("Bearer ").strip(), "<token>")
        answer = _json(response.content if not kwargs.get("stream") else b"")
        if url.path == ME_PATH and isinstance(answer, dict):
            self.learn(answer.get("userName"), "<user>")
            self.learn(answer.get("displayName"), "<display name>")
            for email in answer.get("emails") or []:
                self.learn(email.get("value"), "<user>")
        entry = {
            "method": request.method,
            "path": url.path,
            "query": dict(urllib.parse.parse_qsl(url.query)),
            "request": _json(request.body),
            "status": response.status_code,
            "response": answer,
        }
        line = self.redact(json.dumps(entry, sort_keys=True))
        with _LOCK, open(self.path, "a", encoding="utf-8") as out:
            out.write(line + "\n")


def _json(body: Any) -> Any:
    """A JSON body as data; anything else (bytes of a file, empty) as None."""
    if not body:
        return None
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError, TypeError):
        return None


def record_to(path: Path, host: str) -> TraceRecorder:
    """Record every later ``requests`` session's answers from ``host`` into ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    recorder = TraceRecorder(path, host)
    token = os.environ.get("DATABRICKS_TOKEN")
    recorder.learn(token, "<token>")
    made = requests.sessions.default_hooks

    def hooks() -> dict[str, list]:
        found = made()
        found["response"].append(recorder)
        return found

    requests.sessions.default_hooks = hooks
    recorder.stop = lambda: setattr(requests.sessions, "default_hooks", made)
    return recorder
