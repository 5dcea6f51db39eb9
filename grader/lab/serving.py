"""Serving endpoints on the local backend: one real ``mlflow models serve`` process each.

Shaped like ``WorkspaceClient().serving_endpoints`` (the SDK's argument names and its own
dataclasses), so a notebook deploys and queries the same way locally and on Databricks.
An endpoint outlives the kernel that made it: a JSON record under ``home.endpoints`` (pid,
process group, port, model) lets a later notebook's kernel get, query and delete it.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import suppress
from datetime import timedelta
from pathlib import Path
from typing import Any

import psutil
import requests
from databricks.sdk.clock import Clock, RealClock
from databricks.sdk.service import serving as sdk
from databricks.sdk.service._internal import Wait

from grader.config import Settings
from grader.exceptions import (
    EndpointConfigError,
    EndpointError,
    PortInUseError,
    ResourceConflict,
    ResourceNotFound,
)
from grader.lab import jvm_archive
from grader.lab.home import LabHome
from grader.lab.java import require_java
from grader.lab.processes import stop_processes, tree
from grader.lab.records import RecordStore
from grader.lab.spark import ENDPOINT_JVM_FLAGS, ENDPOINT_SPARK_CONF

_NAME_RULE = re.compile(r"[A-Za-z0-9_-]+")  # Databricks' rule for endpoint names
_LOG_TAIL = 30  # log lines quoted when an endpoint fails to start
_STOP_GRACE = 10.0  # seconds between SIGTERM and SIGKILL
_POLL = 0.5  # seconds between two /ping probes
_QUERY_TIMEOUT = 90.0  # a bit above the server's own 60 s request timeout

#: A record's state ("FAILED" when its process is gone) as the SDK's enums: endpoint ready,
#: config update, served entity deployment.
_STATES = {
    "READY": ("READY", "NOT_UPDATING", "DEPLOYMENT_READY"),
    "NOT_READY": ("NOT_READY", "IN_PROGRESS", "DEPLOYMENT_CREATING"),
    "FAILED": ("NOT_READY", "UPDATE_FAILED", "DEPLOYMENT_FAILED"),
}

#: Popen objects of the endpoints this interpreter started: they give the exit code of a
#: process that died and reap it (no zombie). Another kernel's endpoints are found by pid.
_children: dict[int, subprocess.Popen] = {}


def _http() -> requests.Session:
    """A session that ignores HTTP(S)_PROXY: the endpoint is on loopback, never behind a proxy."""
    session = requests.Session()
    session.trust_env = False
    return session


def _served_entity(config: sdk.EndpointCoreConfigInput | None) -> dict[str, Any]:
    """The one model an endpoint serves, from ``served_entities`` or the older ``served_models``."""
    found = [*(config.served_entities or []), *(config.served_models or [])] if config else []
    entity = found[0] if len(found) == 1 else None
    model = getattr(entity, "entity_name", None) or getattr(entity, "model_name", None)
    version = getattr(entity, "entity_version", None) or getattr(entity, "model_version", None)
    if not model or not version:
        raise EndpointConfigError(
            "A local endpoint serves exactly one registered model version: pass config="
            "EndpointCoreConfigInput(name=..., served_entities=[ServedEntityInput("
            'entity_name="Penguin Predictor", entity_version="1", ...)]).'
        )
    return {
        "model_name": model,
        "model_version": str(version),
        "served_name": entity.name or re.sub(r"[^A-Za-z0-9_-]", "_", f"{model}-{version}"),
        "workload_size": entity.workload_size,
        "scale_to_zero_enabled": entity.scale_to_zero_enabled,
    }


def _bind(port: int) -> int | None:
    """Bind 127.0.0.1:``port`` for a moment (0: any free port); the port, or None if taken."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return None
        return probe.getsockname()[1]


def _free_port(wanted: int | None, taken: set[int]) -> int:
    """``wanted`` if free, else any free port. ``taken`` holds the recorded endpoints' ports,
    which stay unbound while their server loads the model."""
    if wanted is not None:
        if wanted in taken or _bind(wanted) is None:
            raise PortInUseError(
                f"Port {wanted} on 127.0.0.1 is already in use: stop what listens there, "
                "or leave the port out and a free one is picked."
            )
        return wanted
    while (port := _bind(0)) in taken:
        pass
    return port


def _tail(path: Path, lines: int = _LOG_TAIL) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _processes(record: dict[str, Any]) -> list[psutil.Process]:
    """The endpoint's process group and all descendants (Spark's JVM). A live group keeps its
    id from reuse; the leader's start time and the members' age guard against a dead one's."""
    with suppress(psutil.Error):
        if abs(psutil.Process(record["pgid"]).create_time() - record["started"]) >= 1:
            return []  # the leader's pid was reused: the group is no longer ours
    found: dict[int, psutil.Process] = {}
    for proc in psutil.process_iter():
        with suppress(psutil.Error, OSError):
            ours = proc.create_time() >= record["started"] - 1
            if ours and os.getpgid(proc.pid) == record["pgid"]:
                found.update((member.pid, member) for member in tree(proc))
    return list(found.values())


def _stop(record: dict[str, Any], grace: float = _STOP_GRACE) -> None:
    """SIGTERM the group and every process of the tree, wait ``grace`` s, SIGKILL the rest."""
    procs = _processes(record)
    if procs:
        with suppress(OSError):
            os.killpg(record["pgid"], signal.SIGTERM)  # also hits a child born after the scan
    stop_processes(procs, grace=grace, wait=5)
    stop_processes([p for p in _processes(record) if p not in procs], wait=5)  # born since
    popen = _children.pop(record["pid"], None)
    if popen is not None:
        popen.poll()


def _http_error(name: str, response: requests.Response) -> str:
    """The server's error code and message, and the exception that caused it (the stack
    trace's last line, e.g. ``[FIELD_NOT_FOUND] No such struct field `BodyMass```)."""
    try:
        body = response.json()
    except ValueError:
        body = {"message": response.text}
    codes = [body.get("error_code", "ERROR"), body.get("error_class")]
    lines = [f"Endpoint {name!r} answered HTTP {response.status_code} "]
    lines[0] += " ".join(code for code in dict.fromkeys(codes) if code)
    lines += str(body.get("message", "")).strip().splitlines()[:3]
    cause = str(body.get("stack_trace", "")).strip().splitlines()[-1:]
    lines += [re.sub(r"^[\w.]+\.(\w+: )", r"Cause: \1", line) for line in cause]
    return "\n".join(line[:500] for line in lines)


class ServingEndpointsAPI:
    """The lab's subset of ``WorkspaceClient().serving_endpoints``, served from ``home``."""

    def __init__(self, home: LabHome, settings: Settings, *, clock: Clock | None = None) -> None:
        self.home = home
        self.settings = settings
        self._clock = clock or RealClock()
        self._records = RecordStore(home.endpoints)

    def create(
        self,
        name: str,
        *,
        config: sdk.EndpointCoreConfigInput | None = None,
        _port: int | None = None,
        **ignored_sdk_kwargs: Any,
    ) -> Wait[sdk.ServingEndpointDetailed]:
        """Start the endpoint's server and return at once; ``.result()`` waits for READY.
        Every check runs before the process starts, so a refused create leaves nothing."""
        if not isinstance(name, str) or not _NAME_RULE.fullmatch(name):
            raise EndpointConfigError(
                f"Endpoint name {name!r} is not allowed: use only letters, digits, '-' and '_'."
            )
        entity = _served_entity(config)
        if self._records.get(name) is not None:
            raise ResourceConflict(
                f"Endpoint {name!r} already exists: delete it first "
                f"(w.serving_endpoints.delete({name!r})) or choose another name."
            )
        port = _free_port(_port, {record["port"] for record in self._records})
        uri = self._resolve(entity["model_name"], entity["model_version"])
        record = self._start(name, entity, uri, port)
        waiter = self.wait_get_serving_endpoint_not_updating
        return Wait(waiter, response=self._detailed(record), name=name)

    def create_and_wait(
        self,
        name: str,
        *,
        config: sdk.EndpointCoreConfigInput | None = None,
        timeout: timedelta = timedelta(minutes=20),
        **kwargs: Any,
    ) -> sdk.ServingEndpointDetailed:
        return self.create(name, config=config, **kwargs).result(timeout=timeout)

    def update_config(
        self,
        name: str,
        *,
        served_entities: list[sdk.ServedEntityInput] | None = None,
        served_models: list[sdk.ServedModelInput] | None = None,
        **ignored_sdk_kwargs: Any,
    ) -> Wait[sdk.ServingEndpointDetailed]:
        """Serve another model version from an existing endpoint (a notebook run again after
        registering a new version); ``.result()`` waits for READY.

        Checked before anything stops: the endpoint exists, the config is valid and names a
        registered version. Databricks keeps the old version serving until the new one is
        ready; here the old server stops first (one server per endpoint on a small machine),
        so the endpoint does not answer for the new server's start-up."""
        record = self._record(name)
        config = sdk.EndpointCoreConfigInput(
            name=name, served_entities=served_entities, served_models=served_models
        )
        entity = _served_entity(config)
        uri = self._resolve(entity["model_name"], entity["model_version"])
        _stop(record)
        port = _free_port(None, {r["port"] for r in self._records if r["name"] != name})
        started = self._start(name, entity, uri, port)
        waiter = self.wait_get_serving_endpoint_not_updating
        return Wait(waiter, response=self._detailed(started), name=name)

    def update_config_and_wait(
        self,
        name: str,
        *,
        served_entities: list[sdk.ServedEntityInput] | None = None,
        served_models: list[sdk.ServedModelInput] | None = None,
        timeout: timedelta = timedelta(minutes=20),
        **kwargs: Any,
    ) -> sdk.ServingEndpointDetailed:
        return self.update_config(
            name, served_entities=served_entities, served_models=served_models, **kwargs
        ).result(timeout=timeout)

    def wait_get_serving_endpoint_not_updating(
        self,
        name: str,
        timeout: timedelta = timedelta(minutes=20),
        callback: Callable[[sdk.ServingEndpointDetailed], None] | None = None,
    ) -> sdk.ServingEndpointDetailed:
        """Poll until the server answers /ping (at most ``MLFLOW_LAB_ENDPOINT_TIMEOUT`` s).
        Unlike the SDK's waiter, a start that fails or times out raises with the log's tail
        and leaves no process or record behind."""
        limit = min(timeout.total_seconds(), self.settings.endpoint_timeout_seconds)
        deadline = self._clock.time() + limit
        while True:
            record = self._refresh(self._record(name))
            detailed = self._detailed(record)
            if detailed.state.ready == sdk.EndpointStateReady.READY:
                return detailed
            if detailed.state.config_update == sdk.EndpointStateConfigUpdate.UPDATE_FAILED:
                self._fail(record, f"stopped while starting (exit code {self._exit_code(record)})")
            if callback:
                callback(detailed)
            if self._clock.time() >= deadline:
                self._fail(record, f"did not answer /ping within {limit:.0f} s (still NOT_READY)")
            self._clock.sleep(_POLL)

    def get(self, name: str) -> sdk.ServingEndpointDetailed:
        return self._detailed(self._refresh(self._record(name)))

    def list(self) -> Iterator[sdk.ServingEndpoint]:
        """Every recorded endpoint; the summary keeps the detailed view's shared fields."""
        for record in self._records:
            yield sdk.ServingEndpoint.from_dict(self._detailed(self._refresh(record)).as_dict())

    def query(
        self,
        name: str,
        *,
        dataframe_records: list[Any] | None = None,
        dataframe_split: sdk.DataframeSplitInput | dict[str, Any] | None = None,
        instances: list[Any] | None = None,
        inputs: Any | None = None,
        **ignored_sdk_kwargs: Any,
    ) -> sdk.QueryEndpointResponse:
        """POST the request to the server's /invocations, the body Databricks forwards."""
        if isinstance(dataframe_split, sdk.DataframeSplitInput):
            dataframe_split = dataframe_split.as_dict()
        given = {"dataframe_records": dataframe_records, "dataframe_split": dataframe_split,
                 "instances": instances, "inputs": inputs}  # fmt: skip
        body = {key: value for key, value in given.items() if value is not None}
        if len(body) != 1:
            raise EndpointConfigError(f"Give exactly one of {', '.join(given)} to query.")
        url = self._ready_url(name) + "/invocations"
        # numpy numbers (from pandas' to_dict) are not JSON: .item() makes them Python's.
        data = json.dumps(body, default=lambda o: o.item() if hasattr(o, "item") else str(o))
        headers = {"Content-Type": "application/json"}
        try:
            with _http() as http:
                response = http.post(url, data=data, headers=headers, timeout=_QUERY_TIMEOUT)
        except requests.RequestException as exc:
            raise EndpointError(f"Endpoint {name!r} did not answer: {exc}") from None
        if response.status_code >= 400:
            raise EndpointError(_http_error(name, response))
        return sdk.QueryEndpointResponse.from_dict(response.json())

    def delete(self, name: str) -> None:
        """Stop the server with all its children (Spark's JVM), then forget the endpoint."""
        record = self._record(name)
        _stop(record)
        self._records.delete(name)

    # -- helpers ---------------------------------------------------------------------------
    def _record(self, name: str) -> dict[str, Any]:
        record = self._records.get(name)
        if record is None:
            names = ", ".join(repr(r["name"]) for r in self._records) or "none"
            raise ResourceNotFound(f"No endpoint named {name!r}. Existing endpoints: {names}.")
        return record

    def _ready_url(self, name: str) -> str:
        record = self._refresh(self._record(name))
        if not self._alive(record):
            raise EndpointError(
                f"Endpoint {name!r} is not running (its process has exited; log: "
                f"{record['log']}). Delete it and create it again."
            )
        if record["state"] != "READY":
            raise EndpointError(
                f"Endpoint {name!r} is still starting: wait for it with "
                f"w.serving_endpoints.wait_get_serving_endpoint_not_updating({name!r})."
            )
        return f"http://127.0.0.1:{record['port']}"

    def _resolve(self, model: str, version: str) -> str:
        """The ``models:/`` URI of a registered version; fails before any process starts."""
        import mlflow  # slow to import: only when an endpoint is made
        from mlflow.exceptions import MlflowException

        client = mlflow.MlflowClient(self.home.tracking_uri, self.home.tracking_uri)
        try:
            client.get_model_version(model, version)
        except MlflowException as exc:
            if exc.error_code != "RESOURCE_DOES_NOT_EXIST":
                raise EndpointError(f"The model registry failed: {exc.message}") from None
            raise ResourceNotFound(
                f"Model {model!r} version {version} is not registered. Register it first "
                f"(mlflow.register_model('runs:/<run_id>/model', {model!r})) and serve "
                "the version that call returns."
            ) from None
        return f"models:/{model}/{version}"

    def _command(self, model_uri: str, port: int) -> list[str]:
        """The server's command line (one worker: each would start its own Spark); a test seam."""
        serve = ["-m", model_uri, "--env-manager", "local", "-h", "127.0.0.1", "-p", str(port)]
        return [sys.executable, "-m", "mlflow", "models", "serve", *serve, "-w", "1"]

    def _env(self) -> dict[str, str]:
        """The kernel's environment plus the lab's MLflow store and a loopback, fast-starting
        Spark. PATH starts with this Python's bin/ because MLflow runs ``uvicorn`` from PATH."""
        return {
            **os.environ,
            "MLFLOW_TRACKING_URI": self.home.tracking_uri,
            "MLFLOW_REGISTRY_URI": self.home.tracking_uri,
            "SPARK_LOCAL_IP": "127.0.0.1",
            "SPARK_LOCAL_DIRS": str(self.home.spark),
            "PYSPARK_PYTHON": sys.executable,
            "PYSPARK_SUBMIT_ARGS": self._submit_args(),
            **({"JAVA_TOOL_OPTIONS": ENDPOINT_JVM_FLAGS} if self.settings.tuned else {}),
            "MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR": "false",  # keeps the log's tail readable
            "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
        }

    def _submit_args(self) -> str:
        """The model server's Spark driver: the lab's memory and, tuned, the JVM class
        archive (:mod:`grader.lab.jvm_archive`), which only the driver's class path fits,
        and :data:`~grader.lab.spark.ENDPOINT_SPARK_CONF`. MLflow builds the server's
        session itself; spark-submit's arguments are the way in (its own settings win)."""
        options = ""
        if self.settings.tuned:
            if archive := jvm_archive.java_options():
                options += f"--driver-java-options {shlex.quote(archive)} "
            conf = [("--conf", f"{key}={value}") for key, value in ENDPOINT_SPARK_CONF.items()]
            options += shlex.join(part for pair in conf for part in pair) + " "
        return f"--driver-memory {self.settings.spark_memory} {options}pyspark-shell"

    def _start(self, name: str, entity: dict[str, Any], uri: str, port: int) -> dict[str, Any]:
        require_java()  # a clear message now, not a Java error in the log seconds later
        log = self.home.ensure().logs / f"endpoint-{name}.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                self._command(uri, port),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=self._env(),
                cwd=self.home.spark,
                start_new_session=True,  # its own process group: delete() stops all of it
            )
        _children[proc.pid] = proc
        started = time.time()
        with suppress(psutil.Error):
            started = psutil.Process(proc.pid).create_time()  # tells our pid from a reused one
        record = {"name": name, "pid": proc.pid, "pgid": proc.pid, "port": port,
                  "model_uri": uri, "state": "NOT_READY", "log": str(log), "started": started,
                  "created": int(time.time() * 1000), "creator": self.settings.user_name,
                  **entity}  # fmt: skip
        self._records.put(name, record)
        return record

    def _alive(self, record: dict[str, Any]) -> bool:
        popen = _children.get(record["pid"])
        if popen is not None:
            return popen.poll() is None
        try:
            proc = psutil.Process(record["pid"])
            same = abs(proc.create_time() - record["started"]) < 1
            return same and proc.status() != psutil.STATUS_ZOMBIE
        except psutil.Error:
            return False

    def _exit_code(self, record: dict[str, Any]) -> str:
        popen = _children.get(record["pid"])
        code = popen.poll() if popen is not None else None
        return "unknown" if code is None else str(code)

    def _refresh(self, record: dict[str, Any]) -> dict[str, Any]:
        """Mark a starting endpoint READY once its server answers /ping, from any kernel: an
        interrupted wait or a later notebook still sees the endpoint become READY."""
        if record["state"] == "READY" or not self._alive(record):
            return record
        with suppress(requests.RequestException), _http() as http:
            if http.get(f"http://127.0.0.1:{record['port']}/ping", timeout=2).ok:
                record = {**record, "state": "READY"}
                self._records.put(record["name"], record)
        return record

    def _fail(self, record: dict[str, Any], why: str) -> None:
        """Stop a failed start and forget it, then raise with what the log says."""
        _stop(record)
        self._records.delete(record["name"])
        raise EndpointError(
            f"Endpoint {record['name']!r} {why}; it was removed. Log: {record['log']}\n"
            f"Last lines of the log:\n{_tail(Path(record['log']))}"
        )

    def _detailed(self, record: dict[str, Any]) -> sdk.ServingEndpointDetailed:
        ready, update, deployment = _STATES[record["state"] if self._alive(record) else "FAILED"]
        entity = sdk.ServedEntityOutput(
            name=record["served_name"],
            entity_name=record["model_name"],
            entity_version=record["model_version"],
            workload_size=record["workload_size"],
            scale_to_zero_enabled=record["scale_to_zero_enabled"],
            creator=record["creator"],
            creation_timestamp=record["created"],
            state=sdk.ServedModelState(
                deployment=sdk.ServedModelStateDeployment(deployment),
                deployment_state_message=f"log: {record['log']}",
            ),
        )
        return sdk.ServingEndpointDetailed(
            name=record["name"],
            id=record["name"],
            creator=record["creator"],
            creation_timestamp=record["created"],
            endpoint_url=f"http://127.0.0.1:{record['port']}/invocations",
            state=sdk.EndpointState(
                ready=sdk.EndpointStateReady(ready),
                config_update=sdk.EndpointStateConfigUpdate(update),
            ),
            config=sdk.EndpointCoreConfigOutput(served_entities=[entity]),
        )


def stop_all(home: LabHome) -> list[str]:
    """Delete every recorded endpoint of ``home`` (the course runner's and tests' cleanup)."""
    api = ServingEndpointsAPI(home, Settings.from_env())
    names = [record["name"] for record in RecordStore(home.endpoints)]
    for name in names:
        with suppress(ResourceNotFound):
            api.delete(name)
    return names
