"""The fake workspace's HTTP side: auth, routing, injected faults and the call log."""

from __future__ import annotations

import json
import re
import secrets
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tests.databricks.fake.catalog import Raw
from tests.databricks.fake.errors import FakeError


@dataclass
class Call:
    """One request the fake answered."""

    method: str
    path: str
    query: dict[str, str]
    body: Any
    status: int
    #: the client's User-Agent: the SDK adds ``runtime/<version>`` on a cluster
    user_agent: str = ""


@dataclass
class Fault:
    """Answer the next ``times`` requests matching ``method``/``path`` with an error."""

    method: str
    path: re.Pattern
    status: int
    error_code: str
    message: str
    times: int = 1
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Timings:
    """How long the fake's resources take (seconds of wall clock; tests keep them short)."""

    cluster_start: float = 0.3
    cluster_stop: float = 0.2


Handler = Callable[..., Any]


class FakeDatabricks:
    """State and routes of one fake workspace; ``start()`` serves it on loopback."""

    def __init__(
        self,
        root: Path,
        *,
        user_name: str = "jane.doe@example.com",
        display_name: str = "Jane Doe",
        token: str = "dapi-fake-token",
        timings: Timings | None = None,
        unity_catalog: bool = True,
    ) -> None:
        from tests.databricks.fake import (
            catalog,
            compute,
            files,
            jobs,
            mlflow_proxy,
            serving,
            uc_registry,
        )

        self.root = root
        self.user_name = user_name
        self.display_name = display_name
        self.token = token
        self.token_expired = False
        self.timings = timings or Timings()
        self.calls: list[Call] = []
        self.faults: list[Fault] = []
        self.lock = threading.RLock()
        self._routes: list[tuple[str, re.Pattern, Handler]] = []
        self._server: ThreadingHTTPServer | None = None
        self.files = files.FakeFiles(self)
        self.compute = compute.FakeCompute(self)
        self.jobs = jobs.FakeJobs(self)
        self.mlflow = mlflow_proxy.MlflowProxy(self)
        self.serving = serving.FakeServing(self)
        self.catalog = catalog.FakeCatalog(self, enabled=unity_catalog)
        self.uc_registry = uc_registry.FakeUcRegistry(self)
        #: presigned URLs: token → (method, file on disk)
        self._signed: dict[str, tuple[str, Path]] = {}
        self.route("GET", "/api/2.0/preview/scim/v2/Me", self.me)
        parts = (self.files, self.compute, self.jobs, self.serving, self.mlflow, self.catalog,
                 self.uc_registry)  # fmt: skip
        for part in parts:
            part.register()

    # -- routing ---------------------------------------------------------------------------
    def route(self, method: str, path: str, handler: Handler) -> None:
        """``path`` may hold ``{name}`` parts, passed to the handler by keyword."""
        pattern = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", path)
        self._routes.append((method, re.compile(pattern + "$"), handler))

    def inject(self, method: str, path: str, status: int, error_code: str, message: str,
               *, times: int = 1, headers: dict[str, str] | None = None) -> None:  # fmt: skip
        """Make the next ``times`` matching requests fail (``path`` is a regex)."""
        with self.lock:
            fault = Fault(method, re.compile(path), status, error_code, message, times)
            fault.headers = headers or {}
            self.faults.append(fault)

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the fake first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def sign(self, local: Path, method: str) -> str:
        """A presigned URL on the fake for reading (GET) or writing (PUT) one file, as cloud
        storage hands out; it needs no workspace token."""
        token = secrets.token_urlsafe(16)
        with self.lock:
            self._signed[token] = (method, local)
        return f"{self.url}/signed/{token}"

    def signed(self, method: str, token: str, data: bytes) -> tuple[int, bytes]:
        """Cloud storage's side of a presigned URL."""
        found = self._signed.get(token)
        if found is None or found[0] != method:
            return 403, b"AuthenticationFailed: the signature does not match."
        local = found[1]
        if method == "PUT":
            local.parent.mkdir(parents=True, exist_ok=True)
            local.write_bytes(data)
            return 201, b""
        return (200, local.read_bytes()) if local.is_file() else (404, b"BlobNotFound")

    def calls_to(self, method: str, path: str) -> list[Call]:
        """Answered calls (status < 400) whose path matches the regex ``path``."""
        return [c for c in self.calls if c.method == method and re.fullmatch(path, c.path)
                and c.status < 400]  # fmt: skip

    # -- answering -------------------------------------------------------------------------
    def answer(self, method: str, path: str, query: dict[str, str], body: Any,
               headers: dict[str, str]) -> tuple[int, Any, dict[str, str]]:  # fmt: skip
        status, payload, extra = self._answer(method, path, query, body, headers)
        with self.lock:
            self.calls.append(
                Call(method, path, query, body, status, headers.get("user-agent", ""))
            )
        return status, payload, extra

    def _answer(self, method, path, query, body, headers):
        if path == "/.well-known/databricks-config":
            return 404, {"error_code": "NOT_FOUND", "message": "Not found"}, {}
        auth = headers.get("authorization", "")
        if auth != f"Bearer {self.token}":
            return 401, {"error_code": "UNAUTHENTICATED", "message": "Invalid access token."}, {}
        if self.token_expired:
            return 403, {"error_code": "PERMISSION_DENIED",
                         "message": "Invalid access token: the token has expired."}, {}  # fmt: skip
        with self.lock:
            for fault in self.faults:
                if fault.times > 0 and fault.method == method and fault.path.search(path):
                    fault.times -= 1
                    body = {"error_code": fault.error_code, "message": fault.message}
                    return fault.status, body, fault.headers
        for verb, pattern, handler in self._routes:
            found = pattern.match(path)
            if verb == method and found:
                try:
                    return 200, handler(query=query, body=body, **found.groupdict()) or {}, {}
                except FakeError as exc:
                    return exc.status, exc.body(), {}
        return 404, {"error_code": "ENDPOINT_NOT_FOUND", "message": f"No API {method} {path}"}, {}

    # -- identity and catalog ----------------------------------------------------------------
    def me(self, **_: Any) -> dict[str, Any]:
        return {
            "id": "4242",
            "userName": self.user_name,
            "displayName": self.display_name,
            "active": True,
            "emails": [{"value": self.user_name, "primary": True, "type": "work"}],
        }

    # -- life cycle --------------------------------------------------------------------------
    def start(self) -> FakeDatabricks:
        fake = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # keep the test output clean
                pass

            def _serve(self) -> None:
                url = urllib.parse.urlsplit(self.path)
                query = dict(urllib.parse.parse_qsl(url.query))
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw) if raw else {}
                except ValueError:
                    body = raw
                headers = {k.lower(): v for k, v in self.headers.items()}
                if url.path.startswith("/signed/"):  # cloud storage behind a signed URI
                    token = url.path.removeprefix("/signed/")
                    status, data = fake.signed(self.command, token, raw)
                    with fake.lock:
                        fake.calls.append(Call(self.command, "/signed/", {}, None, status))
                    self._send(status, data, "application/octet-stream")
                    return
                if (
                    fake.mlflow.handles(url.path)
                    and headers.get("authorization") == (f"Bearer {fake.token}")
                    and not fake.token_expired
                ):
                    status, data, content_type = fake.mlflow.forward(
                        self.command, url.path, url.query, raw, headers
                    )
                    with fake.lock:
                        fake.calls.append(Call(self.command, url.path, query, body, status))
                    self._send(status, data, content_type)
                    return
                status, payload, extra = fake.answer(self.command, url.path, query, body, headers)
                if isinstance(payload, Raw):
                    self._send(status, payload.data, "application/octet-stream", payload.headers)
                else:
                    self._send(status, json.dumps(payload).encode(), "application/json", extra)

            def _send(self, status, data: bytes, content_type: str, extra=None) -> None:
                extra = {k.lower(): v for k, v in (extra or {}).items()}
                self.send_response(status)
                self.send_header("Content-Type", extra.pop("content-type", content_type))
                self.send_header("Content-Length", extra.pop("content-length", str(len(data))))
                for key, value in extra.items():
                    self.send_header(key, value)
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = do_HEAD = _serve

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop the server and everything the fake started (runs, endpoints, MLflow)."""
        self.jobs.stop()
        self.compute.stop()
        self.serving.stop()
        self.mlflow.stop()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def now_ms(self) -> int:
        return int(time.time() * 1000)
