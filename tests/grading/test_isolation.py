"""A unit's sandbox: its own environment, and nothing it started outlives it."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from grader.grading.isolation import DROP, UnitFolders, processes_of, reap

REPO = Path(__file__).resolve().parents[2]
SLEEP = "import time; time.sleep(60)"
#: A child that starts a grandchild in a session of its own, says its pid, and sleeps.
SPAWNER = (
    "import subprocess, sys, time\n"
    f"g = subprocess.Popen([sys.executable, '-c', {SLEEP!r}], start_new_session=True)\n"
    "print(g.pid, flush=True)\n"
    "time.sleep(60)\n"
)


def gone(pid: int) -> bool:
    """Dead: no such process, or a zombie waiting for its parent to collect it."""
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def kill_quietly(pids) -> None:
    for pid in pids:
        with contextlib.suppress(psutil.Error):
            psutil.Process(pid).kill()


def test_env_points_everything_into_the_sandbox(tmp_path, monkeypatch):
    for name in DROP:
        monkeypatch.setenv(name, f"inherited-{name}")
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://instructor:5000")
    sandbox = UnitFolders(tmp_path / "unit", "alice").create()

    env = sandbox.env()

    root = sandbox.root
    for name in ("HOME", "TMPDIR", "MLFLOW_LAB_HOME", "SPARK_LOCAL_DIRS"):
        assert Path(env[name]).is_relative_to(root), name
        assert Path(env[name]).is_dir(), name
    assert Path(env["HOME"]) == sandbox.home
    assert Path(env["TMPDIR"]) == sandbox.tmp
    assert Path(env["MLFLOW_LAB_HOME"]) == sandbox.lab_home.root
    assert env["MLFLOW_LAB_HOME"] != os.environ.get("MLFLOW_LAB_HOME")  # not the parent's
    assert env["MLFLOW_LAB_USER"] == "alice"
    assert env["MLFLOW_LAB_BACKEND"] == "local"
    assert env["MLFLOW_DISABLE_TELEMETRY"] == "true"
    assert not set(DROP) & set(env), "the instructor's MLflow settings leaked into the unit"
    path = env["PATH"].split(os.pathsep)
    assert path[0] == str(Path(sys.executable).parent)
    assert path[1:] == os.environ["PATH"].split(os.pathsep)
    assert os.environ["MLFLOW_TRACKING_URI"] == "http://instructor:5000"  # the parent is untouched


def test_two_sandboxes_share_nothing(tmp_path):
    a = UnitFolders(tmp_path / "alice" / "01_provision", "alice").env()
    b = UnitFolders(tmp_path / "bob" / "01_provision", "bob").env()

    for name in ("HOME", "TMPDIR", "MLFLOW_LAB_HOME", "SPARK_LOCAL_DIRS", "MLFLOW_LAB_USER"):
        assert a[name] != b[name], name


def test_reap_kills_what_the_unit_started_and_nothing_else(tmp_path):
    sandbox = UnitFolders(tmp_path / "unit", "alice").create()
    popens: list[subprocess.Popen] = []
    grandchild = None

    def start(*args: str, **kwargs) -> subprocess.Popen:
        popens.append(
            subprocess.Popen([sys.executable, "-c", *args], stdin=subprocess.DEVNULL, **kwargs)
        )
        return popens[-1]

    try:
        child = start(SPAWNER, env=sandbox.env(), stdout=subprocess.PIPE, text=True)
        grandchild = int(child.stdout.readline())
        # Named only on its command line (a server told where the unit's files are).
        by_argument = start(SLEEP, str(sandbox.lab_home.root))
        # The instructor's own process next door: never the unit's.
        outsider = start(SLEEP)
        theirs = {child.pid, grandchild, by_argument.pid}

        found = {p.pid for p in processes_of(sandbox.root)}
        assert found == theirs
        assert os.getpid() not in found

        killed = reap(sandbox)

        assert set(killed) == theirs
        deadline = time.monotonic() + 10
        while not all(gone(pid) for pid in theirs) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert all(gone(pid) for pid in theirs)
        assert processes_of(sandbox.root) == []
        assert psutil.Process(os.getpid()).is_running()
        assert outsider.poll() is None, "reap killed a process that was not the unit's"
    finally:
        kill_quietly([p.pid for p in popens] + ([grandchild] if grandchild else []))
        for proc in popens:
            proc.wait(timeout=10)
            if proc.stdout:
                proc.stdout.close()


def test_reap_never_kills_the_process_that_reaps(tmp_path):
    """The grader's worker may itself carry the unit's folder: it must survive its own reap."""
    sandbox = UnitFolders(tmp_path / "unit", "alice").create()
    env = sandbox.env() | {"PYTHONPATH": str(REPO)}
    reaper = (
        "import subprocess, sys\n"
        "from pathlib import Path\n"
        "from grader.grading.isolation import UnitFolders, reap\n"
        f"sleeper = subprocess.Popen([sys.executable, '-c', {SLEEP!r}])\n"
        f"killed = reap(UnitFolders(Path({str(sandbox.root)!r}), 'alice'))\n"
        "assert killed == [sleeper.pid], killed\n"
        "sleeper.wait(timeout=10)\n"
        "print('survived')\n"
    )

    done = subprocess.run(
        [sys.executable, "-c", reaper],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "survived"
    assert processes_of(sandbox.root) == []


def test_processes_of_a_folder_nobody_uses_is_empty(tmp_path):
    assert processes_of(tmp_path / "nobody") == []


@pytest.mark.parametrize("student", ["alice", "bob@example.org"])
def test_the_sandbox_user_is_the_student(tmp_path, student):
    assert UnitFolders(tmp_path, student).env()["MLFLOW_LAB_USER"] == student
