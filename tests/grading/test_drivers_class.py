"""The adversarial class, every case of it, graded under each other driver, scores what the
main class (graded once per session with ``bwrap`` as root, test_adversarial.py) is held to.

Each class is graded by ``grader autograde --sandbox DRIVER`` as an instructor would run it
(for ``bwrap`` without root, as the unprivileged ``nobody``): every case of
:func:`tests.grading.adversarial.cases` must get exactly its points and reasons
(:func:`~tests.grading.adversarial.assert_earned`), the honest student's step 01 full
marks, the canary unread and unchanged, no host port reached, and the class summary must
record the driver. Every notebook of every case is held to the main class's outcome
(as ``nobody``, whose home cannot hold the starting states' cache, the states are made for
the batch); the honest student's Spark steps are left out (the main class has them): they
add minutes of Spark per driver and test no attack. About three minutes per
driver here, five through the container engine.
"""

from __future__ import annotations

import csv
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import psutil
import pytest

from grader.grading.config import GIB
from tests.grading import engine
from tests.grading.adversarial import (
    STEP,
    Targets,
    assert_earned,
    cases,
    free_port,
    write_case,
)
from tests.grading.engine import docker_host, grading_image  # noqa: F401 - fixtures
from tests.grading.make_submissions import SOLUTIONS, learner_notebook, write_student
from tests.grading.test_sandbox_drivers import NOBODY, _as_nobody

pytestmark = pytest.mark.slow

#: The main class's caps (conftest.LIMITS) and time limits.
OPTIONS = ["--memory-limit", str(3 * GIB), "--process-limit", "1024", "--workers", "2",
           "--cell-timeout", "120", "--notebook-timeout", "600"]  # fmt: skip
CLI = "import sys; from grader.cli import main; sys.argv[0] = 'grader'; main()"


def _container_works() -> bool:
    from grader.grading.container import ContainerDriver

    return not ContainerDriver().problems()


DRIVERS = {
    # driver → (label the summary must show, as nobody?, runs here?)
    "bwrap-rootless": ("bwrap (rootless, ", True, lambda: os.geteuid() == 0),
    "container": ("container (", False, _container_works),
}


@pytest.fixture
def scratch():
    """A folder outside /tmp's private test folders, that ``nobody`` may write."""
    folder = Path(tempfile.mkdtemp(prefix="drivers-class-", dir="/var/tmp"))
    os.chmod(folder, 0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.parametrize("name", list(DRIVERS))
def test_every_case_scores_under_each_driver_as_in_the_main_class(name, scratch, request):
    label, as_nobody, runs_here = DRIVERS[name]
    if name == "container" and engine.wanted():
        request.getfixturevalue("grading_image")  # a daemon of this session, the image built
    if not runs_here():
        if os.environ.get("CI") == "true" and name != "container":
            pytest.fail(f"{name} must run in CI")
        pytest.skip(f"{name} cannot run here (see grader doctor)")
    subs, out = scratch / "submissions", scratch / "out"
    canary = scratch / "instructor" / "canary.txt"  # world-readable: only the sandbox guards it
    canary.parent.mkdir()
    secret = f"canary-{secrets.token_hex(16)}"
    canary.write_text(f"the instructor's secret: {secret}\n")
    before = canary.read_bytes()
    decoy = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(3600)"])
    listener = socket.create_server(("127.0.0.1", free_port()))
    listener.setblocking(False)
    targets = Targets(
        canary=canary, secret=secret, out=out, solutions=SOLUTIONS,
        host_port=listener.getsockname()[1], decoy_pid=decoy.pid,
        decoy_started=psutil.Process(decoy.pid).create_time(),
    )  # fmt: skip
    chosen = {c.student: c for c in cases(targets)}
    for case in chosen.values():
        write_case(subs, case)
    write_student(subs, "alice", {STEP: learner_notebook(STEP)})
    driver = "bwrap" if name.startswith("bwrap") else name
    course = SOLUTIONS.parents[1]  # the checkout: the CLI runs from elsewhere, as nobody may
    argv = ["autograde", str(subs), "--out", str(out), "--sandbox", driver,
            "--course", str(course), *OPTIONS]  # fmt: skip
    try:
        if as_nobody:
            shutil.chown(scratch, NOBODY, NOBODY)
            for path in [subs, *subs.rglob("*")]:
                shutil.chown(path, NOBODY, NOBODY)
            done = _as_nobody(CLI, *argv, timeout=1500)
        else:
            done = subprocess.run(
                [sys.executable, "-c", CLI, *argv], capture_output=True, text=True, timeout=1500
            )
        reached = _accepted(listener)
    finally:
        decoy_alive = decoy.poll() is None
        decoy.kill()
        decoy.wait()
        listener.close()
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert done.stdout.splitlines()[0].startswith(f"sandbox: {label}"), done.stdout[:300]

    tests = list(csv.DictReader((out / "tests.csv").open(encoding="utf-8")))
    grades = {r["student"]: r for r in csv.DictReader((out / "grades.csv").open(encoding="utf-8"))}
    alice = {r["test"]: float(r["points"]) for r in tests
             if r["student"] == "alice" and r["notebook"] == STEP}  # fmt: skip
    assert alice == {"check_connect": 1.0, "check_data": 2.0}, alice
    for student, case in chosen.items():
        assert_earned(case, [r for r in tests if r["student"] == student], grades[student])
    graded_by = list(csv.DictReader((out / "summary" / "graded_by.csv").open(encoding="utf-8")))
    assert graded_by and all(r["driver"].startswith(label) for r in graded_by), graded_by
    assert canary.read_bytes() == before and decoy_alive and not reached
    leaks = [p for p in out.rglob("*") if p.is_file() and secret.encode() in p.read_bytes()]
    assert not leaks, leaks


def _accepted(listener: socket.socket) -> bool:
    """Whether anything connected to the host's port while the class was graded."""
    try:
        connection, _ = listener.accept()
    except BlockingIOError:
        return False
    connection.close()
    return True
