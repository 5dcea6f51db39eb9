"""Grading a class: ``grader autograde --workers auto`` against plain, serial nbgrader.

The class is ten students built from the course's own notebooks: two correct, one who
handed in the notebooks untouched, one who did only the first three steps, and six who each
made one typical mistake in one notebook. Baseline: ``nbgrader generate_assignment`` then
``nbgrader autograde`` one student after the other, with nbgrader's default preprocessors
and only the two settings this course cannot be graded without (a 300 s cell timeout for
Spark cells, stderr ignored); each student gets a lab home of their own, as their own
machine would be. Both graders' scores are compared notebook by notebook.

Ours is measured twice: with its local pool (``--workers auto``, one unit per core) and on
a Dask cluster of two local workers of one thread each (``--cluster``), the cluster started
before the clock starts, as an instructor's would be.
"""

from __future__ import annotations

import contextlib
import csv
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from bench.measure import Sample, run_measured

ASSIGNMENT = "mlflow_lab"
PLAIN_CONFIG = """c = get_config()  # noqa: F821
c.CourseDirectory.root = {root!r}
c.CourseDirectory.course_id = "mlflow-on-databricks"
c.Execute.timeout = 300  # nbgrader's 30 s cannot start a JVM and fit a model
c.IgnorePattern.enabled = True  # Spark and MLflow warnings on stderr would zero a test
c.IgnorePattern.pattern = r"(?s).*"
"""


def build_class(root: Path, size: int = 10) -> list[str]:
    """Write the class's students' folders under ``root`` (the first ``size`` of the ten, in
    the order below: correct, untouched, partial, then the mistakes); return their names."""
    from tests.grading.make_submissions import (
        MISTAKES,
        STEPS,
        learner_notebook,
        with_mistake,
        write_student,
    )

    shutil.rmtree(root, ignore_errors=True)
    students = [
        ("alice", {s: learner_notebook(s) for s in STEPS}),
        ("bob", {s: learner_notebook(s, solved=False) for s in STEPS}),
        ("dave", {s: learner_notebook(s) for s in STEPS[:3]}),
        ("carol", {s: learner_notebook(s) for s in STEPS}),
    ]
    students += [
        (f"s{i + 1}-{mistake.replace('_', '-')}", with_mistake(mistake))
        for i, mistake in enumerate(MISTAKES)
    ]
    for name, notebooks in students[:size]:
        write_student(root, name, notebooks)
    return sorted(p.name for p in root.iterdir())


def units_in(submissions: Path) -> int:
    """The (student, notebook) units with a notebook to grade."""
    return len(list(submissions.glob("*/mlflow_lab/*.ipynb")))


def ours(submissions: Path, out: Path) -> Sample:
    shutil.rmtree(out, ignore_errors=True)
    command = [sys.executable, "-m", "grader.cli", "autograde", str(submissions),
               "--out", str(out), "--workers", "auto"]  # fmt: skip
    return run_measured(command, log=out.parent / f"{out.name}.log")


@contextlib.contextmanager
def local_dask(folder: Path, workers: int = 2) -> Iterator[tuple[str, list[int]]]:
    """A Dask scheduler and ``workers`` one-thread workers on loopback, each worker in a
    folder of its own; yields the scheduler's address and the workers' pids."""
    from distributed import Client

    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    dask = str(Path(sys.executable).parent / "dask")
    # A worker's statistical profiler samples its threads 100 times a second: CPU the
    # grading does not need (README, 'Grading on a cluster', recommends the same).
    env = os.environ | {"DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED": "False"}
    log = (folder / "cluster.log").open("ab")
    processes = [subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", str(port),
                                   "--no-dashboard"], stdout=log, stderr=log, cwd=folder, env=env)]  # fmt: skip
    for i in range(workers):
        home = folder / f"worker-{i + 1}"
        home.mkdir()
        processes.append(subprocess.Popen(
            [dask, "worker", address, "--name", home.name, "--nthreads", "1", "--no-nanny",
             "--host", "127.0.0.1", "--no-dashboard", "--local-directory", str(home)],
            stdout=log, stderr=log, cwd=home, env=env,
        ))  # fmt: skip
    try:
        with Client(address, timeout=60) as client:
            client.wait_for_workers(workers, timeout=120)
        time.sleep(1)  # let the workers finish importing before the clock starts
        yield address, [p.pid for p in processes[1:]]
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        log.close()


def ours_on_dask(submissions: Path, out: Path, address: str, workers: list[int]) -> Sample:
    shutil.rmtree(out, ignore_errors=True)
    command = [sys.executable, "-m", "grader.cli", "autograde", str(submissions),
               "--out", str(out), "--cluster", address]  # fmt: skip
    return run_measured(command, log=out.parent / f"{out.name}.log", also=workers)


def baseline(solutions: Path, submissions: Path, root: Path) -> Sample:
    shutil.rmtree(root, ignore_errors=True)
    command = [sys.executable, "-m", "bench.grading_run", str(solutions), str(submissions),
               str(root)]  # fmt: skip
    try:
        return run_measured(command, log=root.parent / f"{root.name}.log")
    finally:
        _stop_leftover_endpoints(root)


def ours_scores(out: Path) -> dict[tuple[str, str], float]:
    scores = {}
    with (out / "grades.csv").open() as f:
        for row in csv.DictReader(f):
            for column, value in row.items():
                if column[:2].isdigit():
                    scores[row["student"], column] = float(value or 0)
    return scores


def baseline_scores(root: Path, students: list[str]) -> dict[tuple[str, str], float]:
    from nbgrader.api import Gradebook, MissingEntry

    scores = {}
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        for student in students:
            try:
                submission = gradebook.find_submission(ASSIGNMENT, student)
            except MissingEntry:
                continue
            for notebook in submission.notebooks:
                scores[student, notebook.name] = float(notebook.score)
    return scores


def differences(ours: dict, plain: dict) -> list[str]:
    """Where the two graders disagree (a notebook missing on one side counts as 0)."""
    keys = sorted(set(ours) | set(plain))
    return [
        f"{student}/{notebook}: ours {ours.get((student, notebook), 0):g}, "
        f"nbgrader {plain.get((student, notebook), 0):g}"
        for student, notebook in keys
        if ours.get((student, notebook), 0) != plain.get((student, notebook), 0)
    ]


def _stop_leftover_endpoints(root: Path) -> None:
    """Plain nbgrader leaves the model servers of students who never reached step 07."""
    from grader.lab import serving
    from grader.lab.home import LabHome

    for home in (root / "homes").glob("*"):
        serving.stop_all(LabHome(home))


def _plain_nbgrader(solutions: Path, submissions: Path, root: Path) -> None:
    """The baseline's child process: what an instructor does with nbgrader alone."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "nbgrader_config.py").write_text(PLAIN_CONFIG.format(root=str(root)))
    shutil.copytree(solutions, root / "source" / ASSIGNMENT)
    nbgrader = [sys.executable, "-m", "nbgrader"]
    # nbgrader runs `alembic` from PATH: this Python's bin/ comes first, as in its venv.
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    subprocess.run([*nbgrader, "generate_assignment", ASSIGNMENT, "--force"], cwd=root,
                   env={**os.environ, "PATH": path}, check=True)  # fmt: skip
    for student in sorted(p.name for p in submissions.iterdir()):
        shutil.copytree(submissions / student, root / "submitted" / student)
        home = root / "homes" / student
        env = {**os.environ, "PATH": path, "MLFLOW_LAB_HOME": str(home), "MLFLOW_LAB_USER": student}
        subprocess.run([*nbgrader, "autograde", ASSIGNMENT, "--student", student], cwd=root,
                       env=env, check=True)  # fmt: skip


if __name__ == "__main__":
    _plain_nbgrader(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))
