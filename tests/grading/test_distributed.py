"""Grading on a real Dask cluster: a scheduler on loopback and two ``dask worker`` processes,
each in a folder of its own (two machines that share no disk with the grader).

The class is cheap on purpose: notebook 01 only (no Spark), three students. The cluster's
scores must be the serial pool's; a batch whose grader is killed resumes without regrading
anyone; a worker killed mid-unit costs nothing but time (its unit is graded again by the
other one, and the summary says so); a unit that keeps losing its workers is reported.
"""

from __future__ import annotations

import contextlib
import csv
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest

from grader.grading import distributed, drivers, parcel, placement
from grader.grading.autograde import autograde, max_points
from grader.grading.isolation import processes_of
from tests.grading.adversarial import free_port
from tests.grading.make_submissions import learner_notebook, with_cell, write_student
from tests.grading.printed import skipped_count

BIN = Path(sys.executable).parent
#: The workers' statistical profiler off, as README recommends (CPU grading does not need).
ENV = os.environ | {
    "PYTHONPATH": os.pathsep.join(sys.path),
    "DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED": "False",
}
MAX_01 = max_points()["01_provision"]


@dataclass
class Machine:
    name: str
    folder: Path
    process: subprocess.Popen

    def units_running(self) -> list[Path]:
        return list(self.folder.glob("dask-scratch-space/worker-*/grader/unit-*"))

    def lose(self) -> None:
        """Kill the worker and everything it started, as a machine that goes away."""
        with contextlib.suppress(psutil.Error):
            root = psutil.Process(self.process.pid)
            family = [root, *root.children(recursive=True)]
            for proc in family:
                with contextlib.suppress(psutil.Error):
                    proc.kill()
            psutil.wait_procs(family, timeout=10)
        self.process.wait()


@dataclass
class Cluster:
    address: str
    machines: dict[str, Machine]


def _start(command: list[str], cwd: Path) -> subprocess.Popen:
    log = (cwd / "process.log").open("wb")
    return subprocess.Popen(command, cwd=cwd, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True, env=ENV)  # fmt: skip


@pytest.fixture(scope="module")
def cluster(tmp_path_factory) -> Cluster:
    from distributed import Client

    root = tmp_path_factory.mktemp("cluster")
    address = f"tcp://127.0.0.1:{free_port()}"
    (root / "scheduler").mkdir()
    port = address.rsplit(":", 1)[1]
    scheduler = _start([str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", port,
                        "--no-dashboard"], root / "scheduler")  # fmt: skip
    machines = {}
    for name in ("machine-a", "machine-b"):
        folder = root / name
        folder.mkdir()
        worker = [str(BIN / "dask"), "worker", address, "--name", name, "--nthreads", "1",
                  "--no-nanny", "--host", "127.0.0.1", "--no-dashboard",
                  "--local-directory", str(folder)]  # fmt: skip
        machines[name] = Machine(name, folder, _start(worker, folder))
    try:
        with Client(address, timeout=60) as client:
            client.wait_for_workers(2, timeout=120)
        yield Cluster(address, machines)
    finally:
        for machine in machines.values():
            machine.lose()
        scheduler.kill()
        scheduler.wait()


def _class(root: Path) -> Path:
    subs = root / "subs"
    write_student(subs, "ann", {"01_provision": learner_notebook("01_provision")})
    write_student(subs, "ben", {"01_provision": learner_notebook("01_provision", solved=False)})
    write_student(subs, "dan", {"01_provision": with_cell("01_provision", "upload", "pass")})
    return subs


def _grade(subs: Path, out: Path, address: str) -> list[str]:
    return [sys.executable, "-m", "grader.cli", "autograde", str(subs), "--out", str(out),
            "--cluster", address]  # fmt: skip


def _rows(out: Path) -> dict[str, dict[str, str]]:
    with (out / "grades.csv").open(newline="", encoding="utf-8") as f:
        return {row["student"]: row for row in csv.DictReader(f)}


def _placements(out: Path) -> list[dict[str, str]]:
    with (out / "summary" / "graded_by.csv").open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _wait_for(condition, what: str, timeout: float = 1200) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout} s for {what}")
        time.sleep(0.2)


@pytest.mark.slow
def test_a_batch_whose_grader_is_killed_resumes_without_regrading(cluster, tmp_path):
    subs, out = _class(tmp_path), tmp_path / "out"
    command = _grade(subs, out, cluster.address)
    first = subprocess.Popen(command, start_new_session=True, env=ENV,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    results = out / "results"
    _wait_for(lambda: any(results.glob("*/01_provision.json")), "a first result")
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    finished = {p.parent.name for p in results.glob("*/01_provision.json")}
    assert 1 <= len(finished) < 3, finished
    kept = len(list(results.glob("*/*.json")))  # with the missing notebooks' results

    again = subprocess.run(command, capture_output=True, text=True, env=ENV, timeout=600)
    assert again.returncode == 0, again.stdout + again.stderr
    # what the first run finished is not graded again, and said in one line
    assert skipped_count(again.stdout) == kept  # said in one line, not a line per unit
    for student in finished:
        assert f"{student} / 01_provision: " not in again.stdout
    for student in {"ann", "ben", "dan"} - finished:
        assert f"{student} / 01_provision: " in again.stdout
    rows = _rows(out)
    assert float(rows["ann"]["01_provision"]) == MAX_01
    assert float(rows["ben"]["01_provision"]) == 0


@pytest.mark.slow
def test_a_lost_worker_costs_time_not_points(cluster, tmp_path):
    """Full, none and partial marks where they belong, though machine-b is killed in the
    middle of a unit. (That the pool's scores are a serial run's is test_autograde's; here
    the cluster's are the pool's: the same grade_unit, whose result travels as it is.)"""
    subs = _class(tmp_path)

    out = tmp_path / "cluster"
    grading = subprocess.Popen(_grade(subs, out, cluster.address), env=ENV, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)  # fmt: skip
    doomed = cluster.machines["machine-b"]
    _wait_for(lambda: doomed.units_running(), "machine-b to start grading a unit")
    doomed.lose()
    printed, _ = grading.communicate(timeout=600)
    assert grading.returncode == 0, printed

    rows = _rows(out)
    assert float(rows["ann"]["01_provision"]) == MAX_01
    assert float(rows["ben"]["01_provision"]) == 0
    assert 0 < float(rows["dan"]["01_provision"]) < MAX_01  # no data uploaded: partial
    assert all(row["reason"] == "" or "missing" in row["reason"] for row in rows.values())
    for student in ("ann", "ben", "dan"):  # progress, unit by unit, as they end
        assert f"{student} / 01_provision: " in printed
    where = _placements(out)
    here = drivers.default_driver().label  # both machines are this one: the same driver
    assert len(where) == 3 and all(row["driver"] == here for row in where), where
    again = [row for row in where if row["attempt"] == "2"]
    assert again and all(row["worker"] == "machine-a" for row in again), where
    summary = (out / "summary" / "summary.md").read_text(encoding="utf-8")
    assert placement.SECTION in summary and "| machine-a |" in summary
    graded = out / "nbgrader" / "autograded" / "ann" / "mlflow_lab" / "01_provision.ipynb"
    assert graded.is_file()  # the graded notebook came back with the result
    assert processes_of(doomed.folder) == []  # nothing of the lost machine's unit lives on

    rerun = subprocess.run(_grade(subs, out, cluster.address), capture_output=True, text=True,
                           env=ENV, timeout=600)  # fmt: skip
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert "(0 graded" in rerun.stdout  # the same command again regrades nobody


@pytest.mark.slow
def test_a_unit_that_keeps_losing_its_workers_is_reported(cluster, tmp_path):
    """A third start of a unit reports it instead of grading it (the count is the
    scheduler's, so the third start may be on any worker)."""
    from distributed import Client, Variable

    subs = _class(tmp_path)
    notebook = subs / "ann" / "mlflow_lab" / "01_provision.ipynb"
    options = parcel.Options(batch="t3", cell_timeout=60, notebook_timeout=120, limits=None)
    with Client(cluster.address, timeout=60) as client:
        Variable(parcel.attempts_name("t3", "ann", "01_provision"), client=client).set(2)
        task = parcel.Parcel("ann", "01_provision", notebook.read_bytes())
        graded = client.submit(parcel.grade_parcel, task, b"", None, options).result(timeout=600)
    assert graded.lost and graded.result is None and graded.where.attempt == 3


def test_no_scheduler_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(distributed, "CONNECT_TIMEOUT", 2)
    subs = _class(tmp_path)
    address = f"tcp://127.0.0.1:{free_port()}"
    with pytest.raises(distributed.GraderError, match="Could not reach the Dask scheduler"):
        autograde(submissions_dir=subs, out=tmp_path / "out", cluster=address, unsafe=True)
    assert not list((tmp_path / "out").glob("results/*/*.json"))  # nothing marked graded


def test_the_summary_section_is_replaced_not_repeated(tmp_path):
    summary = tmp_path / "summary"
    summary.mkdir()
    (summary / "summary.md").write_text("# Class summary\n")
    where = placement.Placement(worker="w|1", host="h", driver=placement.BWRAP, attempt=2)
    placement.record(tmp_path, "ann", "01_provision", where)
    placement.write_summary_section(tmp_path, summary)
    placement.write_summary_section(tmp_path, summary)
    text = (summary / "summary.md").read_text()
    assert text.startswith("# Class summary") and text.count(placement.SECTION) == 1
    assert "| w\\|1 | h | bwrap | 1 | 1 |" in text  # a worker's name cannot break the table
