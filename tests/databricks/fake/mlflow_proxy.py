"""MLflow's REST API on the fake: forwarded to a real ``mlflow server`` on loopback.

The server keeps its store in SQLite under the fake's root and writes artifacts to a
``file://`` root that the fake workspace and its cluster share, so a client with tracking
URI ``databricks`` talks to real MLflow tracking and the workspace model registry. The
serving endpoints read the same store (``LabHome(root)``: ``mlflow.db``, ``artifacts/``).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import requests

from grader.lab.home import LabHome
from tests.databricks.fake.errors import FakeError, invalid, not_found, require

_PREFIXES = ("/api/2.0/mlflow/", "/api/2.0/preview/mlflow/", "/api/3.0/mlflow/", "/ajax-api/")
_START_TIMEOUT = 90.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class MlflowProxy:
    def __init__(self, fake) -> None:
        self.fake = fake
        self.home = LabHome(fake.root / "mlflow").ensure()
        self._proc: subprocess.Popen | None = None
        self._url: str | None = None

    def register(self) -> None:
        """OSS paths are forwarded before routing (see the server's handler); the workspace
        registry's artifact API is Databricks' own and answered here, from the store."""
        r = self.fake.route
        r("GET", "/api/2.0/mlflow/model-versions/list-artifacts", self.list_artifacts)
        r("GET", "/api/2.0/mlflow/model-versions/get-signed-download-uri", self.signed_uri)

    @staticmethod
    def handles(path: str) -> bool:
        """OSS MLflow's paths; not Databricks' own (the workspace registry's artifact API,
        Unity Catalog's registry), which the fake answers itself."""
        return (
            path.startswith(_PREFIXES)
            and not path.startswith("/api/2.0/mlflow/unity-catalog/")
            and path
            not in (
                "/api/2.0/mlflow/model-versions/list-artifacts",
                "/api/2.0/mlflow/model-versions/get-signed-download-uri",
            )
        )

    def oss_client(self):
        """An MLflow client on the server's own store (the fake's side, not the learner's)."""
        import mlflow

        return mlflow.MlflowClient(self.home.tracking_uri, self.home.tracking_uri)

    def version_folder(self, name: str, version: str) -> Path:
        """Where a registered version's files are (the shared ``file://`` artifact root)."""
        import mlflow
        from mlflow.exceptions import MlflowException

        client = mlflow.MlflowClient(self.home.tracking_uri, self.home.tracking_uri)
        try:
            uri = client.get_model_version_download_uri(name, version)
        except MlflowException:
            raise not_found(f"Model version {name} {version} does not exist.") from None
        if not uri.startswith("file:"):
            raise FakeError(500, "INTERNAL_ERROR", f"The fake cannot serve {uri}")
        return Path(urllib.parse.urlparse(uri).path)

    def _inside(self, query) -> tuple[Path, str]:
        require(query, "name", "version")
        folder = self.version_folder(query["name"], query["version"])
        path = query.get("path", "").strip("/")
        if ".." in path.split("/"):
            raise invalid(f"Invalid path {path!r}")
        return folder, path

    def list_artifacts(self, query, **_):
        folder, path = self._inside(query)
        target = folder / path if path else folder
        if target.is_file():
            return {"files": [{"path": path, "is_dir": False, "file_size": target.stat().st_size}]}
        children = sorted(target.iterdir()) if target.is_dir() else []
        return {"files": [{"path": c.relative_to(folder).as_posix(), "is_dir": c.is_dir(),
                           **({} if c.is_dir() else {"file_size": c.stat().st_size})}
                          for c in children]}  # fmt: skip

    def signed_uri(self, query, **_):
        folder, path = self._inside(query)
        if not (folder / path).is_file():
            raise not_found(f"No artifact {path}")
        return {"signed_uri": self.fake.sign(folder / path, "GET"),
                "headers": [{"name": "x-fake-signed", "value": "1"}]}  # fmt: skip

    def _ensure(self) -> str:
        with self.fake.lock:
            if self._url is None:
                self._url = self._start()
            return self._url

    def _start(self) -> str:
        port = _free_port()
        log = open(self.home.logs / "mlflow-server.log", "wb")  # noqa: SIM115 (server's life)
        env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_TRACKING")}
        # No background job runners (GenAI jobs: eight processes, ~1 GB a server) for a fake.
        env |= {"MLFLOW_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "true",
                "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false",
                "PATH": os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])}  # fmt: skip
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "mlflow", "server", "--host", "127.0.0.1", "--port", str(port),
             "--backend-store-uri", self.home.tracking_uri,
             "--default-artifact-root", self.home.artifacts.as_uri(), "--workers", "1"],
            stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True,
        )  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + _START_TIMEOUT
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(f"mlflow server exited; see {self.home.logs}")
            try:
                if requests.get(f"{url}/health", timeout=1).ok:
                    return url
            except requests.RequestException:
                time.sleep(0.3)
        raise RuntimeError(f"mlflow server did not start in {_START_TIMEOUT} s")

    def forward(self, method: str, path: str, query: str, body: bytes, headers: dict[str, str]):
        url = f"{self._ensure()}{path}" + (f"?{query}" if query else "")
        with requests.Session() as http:
            http.trust_env = False
            response = http.request(
                method, url, data=body or None, timeout=120,
                headers={"Content-Type": headers.get("content-type", "application/json")},
            )  # fmt: skip
        return (
            response.status_code,
            response.content,
            response.headers.get("Content-Type", "application/json"),
        )

    def stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            os.killpg(self._proc.pid, 15)
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self._proc.pid, 9)
                self._proc.wait()
