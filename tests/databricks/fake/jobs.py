"""One-time runs (``jobs/runs/submit``) of notebook tasks, really executed on the fake
cluster (papermill with a local kernel and the cluster's environment), and their export
as Databricks does it: HTML with the notebook model embedded."""

from __future__ import annotations

import base64
import io
import itertools
import json
import os
import subprocess
import sys
import threading
import urllib.parse
import zipfile
from pathlib import Path
from typing import Any

import nbformat
from databricks.sdk.service.jobs import JobsAPI, SubmitTask

from tests.databricks.fake.contract import fields_of, parse, parse_fields
from tests.databricks.fake.errors import FakeError, invalid, require

TASK_KINDS = ("notebook_task", "spark_python_task", "python_wheel_task", "spark_jar_task",
              "spark_submit_task", "sql_task", "dbt_task", "run_job_task")  # fmt: skip
NOTEBOOK_SOURCES = ("WORKSPACE", "GIT")
VIEWS = ("CODE", "DASHBOARDS", "ALL")
#: Where a task's wheel may live (the SDK's ``Library.whl`` doc): workspace files, Unity
#: Catalog volumes, cloud storage, and DBFS (refused at install from DBR 15.1, row J4).
LIBRARY_PLACES = ("/Workspace/", "/Volumes/", "s3://", "abfss://", "gs://", "dbfs:/")


def notebook_model_html(name: str, executed: nbformat.NotebookNode) -> str:
    """An executed notebook as Databricks exports a run: the model's ``commands`` hold each
    cell's source, state, results and error; base64 of the URL-encoded JSON in a script.
    The shapes are those of the job runs Databricks exported into databricks-demos/dbdemos
    (``dbdemos/bundles/``, commit 5dae0fa): streams as ``ansi`` items with their ``name``,
    displays as ``mimeBundle`` items, a failure's ``errorSummary`` in HTML, and every cell
    after it ``Command skipped`` (see ``grader/run/databricks/export.py``)."""
    commands = []
    # papermill marks a failure with banner cells of its own; Databricks has none.
    cells = [
        c for c in executed.cells if "papermill-error-cell-tag" not in c.metadata.get("tags", [])
    ]
    failed = False
    for position, cell in enumerate(cells):
        command: dict[str, Any] = {"version": "CommandV1", "subtype": "command",
                                   "position": position, "commandType": "auto"}  # fmt: skip
        if cell.cell_type != "code":
            command |= {"command": "%md\n" + cell.source, "state": "finished", "results": None}
        else:
            command["command"] = cell.source
            outputs = cell.get("outputs", [])
            errors = [o for o in outputs if o.output_type == "error"]
            if cell.get("execution_count") is None and not outputs:
                commands.append(command | ({"state": "error", "errorSummary": "Command skipped",
                                            "results": None} if failed else {"state": "input"}))  # fmt: skip
                continue
            items = []
            for out in outputs:
                if out.output_type == "stream":
                    items.append({"type": "ansi", "data": out.text, "name": out.name})
                elif out.output_type in ("display_data", "execute_result") and out.get("data"):
                    items.append({"type": "mimeBundle", "data": dict(out["data"])})
            command["results"] = {"type": "listResults", "data": items, "arguments": {}}
            command["state"] = "error" if errors else "finished"
            if errors:
                failed = True
                command["errorSummary"] = (
                    f"<span class='ansi-red-fg'>{errors[0].ename}</span>: {errors[0].evalue}"
                )
                command["error"] = "\n".join(errors[0].traceback)
                command["errorTraceType"] = "ansi"
        commands.append(command)
    model = {"version": "NotebookV1", "name": name, "language": "python", "commands": commands}
    encoded = base64.b64encode(urllib.parse.quote(json.dumps(model)).encode()).decode()
    return ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"/><title>" + name + "</title>"
            "<script>var __DATABRICKS_NOTEBOOK_MODEL = '" + encoded + "';</script></head>"
            "<body><div id=\"content\"></div></body></html>")  # fmt: skip


class FakeJobs:
    def __init__(self, fake) -> None:
        self.fake = fake
        self.runs: dict[int, dict[str, Any]] = {}  # parent runs and task runs
        self._ids = itertools.count(1001)
        self._procs: list[subprocess.Popen] = []
        #: the cluster of the next run is lost before the run starts (a spot eviction)
        self.lose_cluster_next_run = False

    def register(self) -> None:
        r = self.fake.route
        r("POST", "/api/2.2/jobs/runs/submit", self.submit)
        r("GET", "/api/2.2/jobs/runs/get", self.get)
        r("GET", "/api/2.2/jobs/runs/get-output", self.get_output)
        r("GET", "/api/2.2/jobs/runs/export", self.export)

    def submit(self, body, **_):
        """A one-time run of one notebook task on an existing cluster (rows J1-J5; J2's missing
        notebook is accepted here and fails the run, as a workspace does)."""
        parse_fields(body, fields_of(JobsAPI.submit))
        require(body, "tasks")
        tasks = body["tasks"]
        if len(tasks) != 1:
            raise invalid("The fake runs exactly one task per submitted run.")
        task = tasks[0]
        spec = parse(task, SubmitTask, where="tasks[0].")
        require(task, "task_key", where="tasks[0].")
        kinds = [k for k in TASK_KINDS if k in task]
        if len(kinds) != 1:
            raise invalid("A task needs exactly one of " + ", ".join(TASK_KINDS))
        if kinds[0] != "notebook_task":
            raise invalid(f"The fake runs notebook tasks only, not {kinds[0]}")
        notebook_task = task["notebook_task"]
        require(notebook_task, "notebook_path", where="tasks[0].notebook_task.")
        path = notebook_task["notebook_path"]
        if notebook_task.get("source", "WORKSPACE") == "WORKSPACE" and not path.startswith("/"):
            raise invalid(
                f"Invalid notebook_path {path!r}: a notebook in the workspace needs an absolute "
                "path that begins with a slash."
            )
        if not task.get("existing_cluster_id"):
            raise invalid("The fake needs tasks[0].existing_cluster_id (no job clusters).")
        self.fake.compute.record(task["existing_cluster_id"])
        for library in spec.libraries or []:
            if set(library.as_dict()) - {"whl", "pypi"}:
                raise invalid(f"Unsupported library {library.as_dict()}")
            if library.whl and not library.whl.startswith(LIBRARY_PLACES):
                raise invalid(
                    f"Invalid whl {library.whl!r}: use a workspace path (/Workspace/…), a "
                    "Unity Catalog volume path (/Volumes/…) or a cloud storage URI."
                )
        for where, seconds in (("timeout_seconds", body.get("timeout_seconds")),
                               ("tasks[0].timeout_seconds", spec.timeout_seconds)):  # fmt: skip
            if seconds is not None and seconds < 0:
                raise invalid(f"{where} must be 0 (no timeout) or a positive number of seconds")
        run_id, task_run_id = next(self._ids), next(self._ids)
        state = {"life_cycle_state": "PENDING", "state_message": ""}
        task_run = {"run_id": task_run_id, "task_key": task["task_key"], "state": dict(state),
                    "existing_cluster_id": task["existing_cluster_id"],
                    "notebook_task": notebook_task, "libraries": task.get("libraries", [])}  # fmt: skip
        run = {"run_id": run_id, "run_name": body.get("run_name", "Untitled"),
               "state": dict(state), "tasks": [task_run], "creator_user_name": self.fake.user_name,
               "run_page_url": f"{self.fake.url}/#job/runs/{run_id}",
               "start_time": self.fake.now_ms()}  # fmt: skip
        with self.fake.lock:
            self.runs[run_id] = run
            self.runs[task_run_id] = task_run
        threading.Thread(target=self._execute, args=(run, task_run), daemon=True).start()
        return {"run_id": run_id}

    def _library_refusal(self, task_run: dict[str, Any], spark_version: str) -> str | None:
        """Why the cluster cannot install a task's library, as the run's state says it (J4):
        DBFS-root libraries are disabled by default from Databricks Runtime 15.1."""
        major, minor = (int(x) for x in spark_version.split(".")[:2])
        for library in task_run["libraries"]:
            whl = library.get("whl", "")
            if whl.startswith("dbfs:/") and (major, minor) >= (15, 1):
                return (
                    f"Library installation failed for library due to user error for whl: "
                    f"{whl!r}. Error messages: Installing libraries from the DBFS root is "
                    "disabled by default from Databricks Runtime 15.1: store the library as a "
                    "workspace file or in a Unity Catalog volume."
                )
        return None

    def _set(self, run, task_run, **state) -> None:
        with self.fake.lock:
            run["state"] = dict(state)
            task_run["state"] = dict(state)

    def _execute(self, run: dict[str, Any], task_run: dict[str, Any]) -> None:
        cluster_id = task_run["existing_cluster_id"]
        if self.lose_cluster_next_run:
            self.lose_cluster_next_run = False
            self.fake.compute.record(cluster_id).update(
                state="TERMINATED", state_message="Cluster lost: the VM was evicted",
                termination_reason={"code": "SPOT_INSTANCE_TERMINATION", "type": "CLOUD_FAILURE"},
            )  # fmt: skip
        try:
            cluster = self.fake.compute.running(cluster_id)
        except FakeError as exc:
            self._set(run, task_run, life_cycle_state="INTERNAL_ERROR", state_message=exc.message)
            return
        refused = self._library_refusal(task_run, cluster["spark_version"])
        if refused:
            self._set(run, task_run, life_cycle_state="INTERNAL_ERROR", state_message=refused)
            return
        path = task_run["notebook_task"]["notebook_path"]
        found = self.fake.files.objects.get(path.removeprefix("/Workspace"))
        if not found or found["object_type"] != "NOTEBOOK":  # J2: submit took it; the run fails
            with self.fake.lock:
                task_run["state"] = {
                    "life_cycle_state": "INTERNAL_ERROR",
                    "state_message": f"Notebook not found: {path}",
                }
                run["state"] = {"life_cycle_state": "INTERNAL_ERROR", "state_message": (
                    f"Task {task_run['task_key']} failed with message: Notebook not found: "
                    f"{path}. This caused all downstream tasks to get skipped.")}  # fmt: skip
            return
        self._set(run, task_run, life_cycle_state="RUNNING", state_message="In run")
        workdir = self.fake.root / "runs" / str(task_run["run_id"])
        workdir.mkdir(parents=True)
        source, executed = workdir / "notebook.ipynb", workdir / "executed.ipynb"
        source.write_bytes(self.fake.files.workspace_content(path))
        env = self.fake.compute.environment(cluster_id)
        env["PYTHONPATH"] = self._install(task_run["libraries"], workdir, env["PYTHONPATH"])
        with open(workdir / "papermill.log", "wb") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", "papermill", str(source), str(executed), "-k", "python3",
                 "--cwd", str(workdir), "--no-progress-bar"],
                env=env, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
            self._procs.append(proc)
            proc.wait()
        task_run["_executed"] = executed if executed.exists() else source
        task_run["_log"] = (workdir / "papermill.log").read_text(errors="replace")
        ok = proc.returncode == 0
        self._set(run, task_run, life_cycle_state="TERMINATED",
                  result_state="SUCCESS" if ok else "FAILED",
                  state_message="" if ok else "Workload failed, see run output for details")  # fmt: skip

    def _install(self, libraries: list[dict[str, Any]], workdir: Path, path: str) -> str:
        """Install the task's wheels: a pure-Python wheel imports once unpacked on the path,
        ahead of anything else, so the cluster runs the uploaded code."""
        unpacked = []
        for library in libraries:
            if "whl" in library:
                data = self._library_bytes(library["whl"])
                target = workdir / "libs" / library["whl"].rsplit("/", 1)[-1]
                unpacked.append(str(unpack_wheel(data, target)))
        return os.pathsep.join([*unpacked, path])

    def _library_bytes(self, whl: str) -> bytes:
        if whl.startswith("/Volumes/"):
            return self.fake.catalog.volume_file(whl).read_bytes()
        if whl.startswith("dbfs:/"):
            return self.fake.files.local(whl).read_bytes()
        return self.fake.files.workspace_content(whl)

    def _get(self, query) -> dict[str, Any]:
        require(query, "run_id")
        run = self.runs.get(int(query["run_id"]))
        if run is None:  # the SDK's error override expects this 400 (J6)
            raise invalid(f"Run {query['run_id']} does not exist.")
        return run

    def get(self, query, **_):
        run = _public(self._get(query))
        if "tasks" in run:
            run["tasks"] = [_public(t) for t in run["tasks"]]
        return run

    def _task_run(self, query) -> dict[str, Any]:
        run = self._get(query)
        if "tasks" in run:
            raise invalid("Retrieving the output of runs with multiple tasks is not supported. "
                          "Please retrieve the output of each individual task run instead.")  # fmt: skip
        return run

    def get_output(self, query, **_):
        task_run = self._task_run(query)
        output: dict[str, Any] = {"metadata": _public(task_run)}
        if task_run["state"].get("result_state") == "FAILED":
            executed = nbformat.read(task_run["_executed"], as_version=4)
            errors = [o for c in executed.cells for o in c.get("outputs", [])
                      if o.output_type == "error"]  # fmt: skip
            output["error"] = (f"{errors[0].ename}: {errors[0].evalue}" if errors
                               else task_run["_log"].strip().splitlines()[-1:][0])  # fmt: skip
            output["error_trace"] = task_run["_log"][-4000:]
        return output

    def export(self, query, **_):
        task_run = self._task_run(query)
        if query.get("views_to_export", "CODE") not in VIEWS:
            raise invalid(f"Invalid views_to_export {query['views_to_export']}")
        if task_run["state"]["life_cycle_state"] != "TERMINATED":
            raise FakeError(400, "INVALID_STATE", "The run has not finished yet.")
        name = task_run["notebook_task"]["notebook_path"].rsplit("/", 1)[-1]
        executed = nbformat.read(task_run["_executed"], as_version=4)
        return {"views": [{"content": notebook_model_html(name, executed), "name": name,
                           "type": "NOTEBOOK"}]}  # fmt: skip

    def stop(self) -> None:
        for proc in self._procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def _public(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if not k.startswith("_")}


def unpack_wheel(data: bytes, target: Path) -> Path:
    """Unpack a pure-Python wheel so its packages import from ``target``."""
    with zipfile.ZipFile(io.BytesIO(data)) as whl:
        whl.extractall(target)
    return target
