"""One class, graded once per test session: friendly, careless, hostile and broken work.

Grading a correct student takes minutes of Spark, so the class is graded once (2 workers,
in sandboxes with small caps) and every test of :mod:`test_autograde` and
:mod:`test_adversarial` reads the same results.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest

from grader.grading.autograde import Batch, autograde
from grader.grading.config import GIB, SandboxLimits
from tests.grading.adversarial import Case, Targets, cases, free_port, write_case, write_strays
from tests.grading.make_submissions import (
    MISTAKES,
    SOLUTIONS,
    STEPS,
    correct,
    learner_notebook,
    with_cell,
    with_mistake,
    write_student,
    zip_student,
)

#: Small caps, so bombs end fast; step 06 of a correct student needs ~1.7 GB and ~520 tasks.
LIMITS = {"memory_limit": 3 * GIB, "process_limit": 1024, "file_size_limit": GIB}
#: Long enough for a correct step 06 on a busy machine, short enough for an endless loop.
CELL_TIMEOUT = 120
NOTEBOOK_TIMEOUT = 600


@dataclass
class GradedClass:
    batch: Batch
    out: Path
    targets: Targets
    canary_before: tuple[bytes, float]
    host_listener: socket.socket
    leftovers: list[int]  # pids of processes hostile cases left, found after grading
    decoy_alive: bool  # the host process a forged record pointed at
    cases: dict[str, Case]


def _friendly_and_careless(subs: Path) -> None:
    write_student(subs, "alice", correct())
    write_student(subs, "bob", {s: learner_notebook(s, solved=False) for s in STEPS})
    for mistake in MISTAKES:
        write_student(subs, mistake.replace("_", "-"), with_mistake(mistake))
    write_student(
        subs,
        "gina",
        {"01_provision": learner_notebook("01_provision"), "02_cluster": "this is not a notebook"},
    )
    zip_student(subs, "hank", {"01_provision": learner_notebook("01_provision")})
    write_student(
        subs,
        "dora",
        {"01_provision": with_cell("01_provision", "upload", "import os\nos._exit(1)")},
    )
    from tests.grading.adversarial import MONKEYPATCH_AND_FAKE_RUN

    write_student(  # replaces the checks in its kernel and fakes a run instead of the work
        subs,
        "mallory",
        {"04_mlflow_run": with_cell("04_mlflow_run", "train_run", MONKEYPATCH_AND_FAKE_RUN)},
    )


#: Variables of the instructor's session a kernel must never see (they once passed by prefix).
INSTRUCTORS_SECRETS = (
    "GRADER_TEST_SECRET", "MLFLOW_TRACKING_TOKEN", "JUPYTERHUB_API_TOKEN", "SPARK_AUTH_SECRET",
    "DATABRICKS_TOKEN",
)  # fmt: skip
#: add_key, keyctl per machine; the key the grader holds while it grades.
_ADD_KEY, _KEYCTL = {"x86_64": 248, "aarch64": 217}, {"x86_64": 250, "aarch64": 219}
GRADER_KEY = b"grader-session-key"


def _session_key(secret: str | None, key: int = 0) -> int:
    """Add a key holding ``secret`` to this process's session keyring (or unlink ``key``)."""
    import ctypes
    import platform

    machine = platform.machine()
    if machine not in _ADD_KEY:
        return 0
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    if secret is None:
        if key > 0:
            libc.syscall(_KEYCTL[machine], 9, key, -3)  # KEYCTL_UNLINK from the session's
        return 0
    data = secret.encode()
    return int(libc.syscall(_ADD_KEY[machine], b"user", GRADER_KEY, data, len(data), -3))


@pytest.fixture(scope="session")
def graded_class(tmp_path_factory) -> GradedClass:
    root = tmp_path_factory.mktemp("class")
    subs, out = root / "submissions", root / "out"
    secret = f"canary-{secrets.token_hex(16)}"
    canary = root / "instructor" / "canary.txt"
    canary.parent.mkdir()
    canary.write_text(f"the instructor's secret: {secret}\n")
    before = (canary.read_bytes(), canary.stat().st_mtime)
    decoy = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(3600)"])
    listener = socket.create_server(("127.0.0.1", free_port()))
    listener.setblocking(False)
    targets = Targets(
        canary=canary,
        secret=secret,
        out=out,
        solutions=SOLUTIONS,
        host_port=listener.getsockname()[1],
        decoy_pid=decoy.pid,
        decoy_started=psutil.Process(decoy.pid).create_time(),
    )
    _friendly_and_careless(subs)
    hostile = {case.student: case for case in cases(targets)}
    for case in hostile.values():
        write_case(subs, case)
    write_strays(subs)  # a README beside the hand-ins: listed as ignored, never a student
    old = {name: os.environ.get(name) for name in INSTRUCTORS_SECRETS}
    os.environ.update(dict.fromkeys(INSTRUCTORS_SECRETS, secret))  # not the kernel's
    key = _session_key(secret)  # the grader's session keyring: not the kernel's either
    try:
        started = time.monotonic()
        batch = autograde(
            submissions_dir=subs,
            out=out,
            workers=2,
            cell_timeout=CELL_TIMEOUT,
            notebook_timeout=NOTEBOOK_TIMEOUT,
            limits=SandboxLimits(**LIMITS),
        )
        print(f"\nthe class took {time.monotonic() - started:.0f} s to grade")
    finally:
        _session_key(None, key)
        for name, value in old.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    decoy_alive = decoy.poll() is None
    leftovers = [
        p.pid
        for p in psutil.process_iter(["cmdline"])
        if any("lab-leftover-7f3a" in part for part in (p.info["cmdline"] or []))
    ]
    decoy.kill()
    decoy.wait()
    yield GradedClass(batch, out, targets, before, listener, leftovers, decoy_alive, hostile)
    listener.close()
    for pid in leftovers:
        with contextlib.suppress(psutil.Error):
            psutil.Process(pid).kill()
