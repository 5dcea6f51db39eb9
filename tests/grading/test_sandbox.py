"""The sandbox on its own, without a kernel: what a process inside sees, can do, and leaves.

Each test starts plain processes in a :class:`~grader.grading.sandbox.BwrapSandbox` (a second or
two each); the kernels of a graded class are covered by test_adversarial.py.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from grader.grading import sandbox
from grader.grading.config import SandboxLimits
from grader.grading.sandbox import BwrapSandbox

SECRET = "the-instructor-secret-3b9d"


@pytest.fixture
def jail(tmp_path, request):
    """A unit's sandbox in ``tmp_path/unit``; ``tmp_path/outside`` holds a canary."""
    if os.environ.get("CI") != "true" and sandbox.problems():
        pytest.skip("no sandbox here: " + "; ".join(sandbox.problems()))
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "canary.txt").write_text(SECRET)
    unit = tmp_path / "unit"
    limits = getattr(request, "param", {})
    made = BwrapSandbox.create(
        f"{os.getpid()}.test.{tmp_path.name}",
        writable=[unit / "home", unit / "tmp"],
        home=unit / "home",
        tmp=unit / "tmp",
        private=unit / "private",
        limits=SandboxLimits(**limits),
    )
    yield made
    made.destroy()


def run_in(jail: BwrapSandbox, code: str, timeout: float = 60) -> subprocess.CompletedProcess:
    command = jail.command([sys.executable, "-c", code], env=jail.env({}))
    os.environ["SECRET_OF_THE_HOST"] = SECRET
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    finally:
        del os.environ["SECRET_OF_THE_HOST"]


def test_it_sees_only_its_own_folders_as_its_own_user(jail, tmp_path):
    outside = tmp_path / "outside"
    done = run_in(
        jail,
        "import os, pathlib\n"
        f"print(os.getuid(), os.getgid(), os.getgroups())\n"
        f"print(pathlib.Path({str(outside)!r}).exists())\n"
        f"print(sorted(os.listdir({str(tmp_path / 'unit')!r})))\n"
        "open(os.path.join(os.environ['HOME'], 'mine.txt'), 'w').write('ok')\n"
        "print(os.path.exists('/root/.bash_history'), sorted(os.listdir('/tmp')))\n"
        "print(os.environ.get('SECRET_OF_THE_HOST'), os.environ['USER'])\n",
    )
    lines = done.stdout.splitlines()
    assert done.returncode == 0, done.stderr
    assert lines[0] == f"{jail.limits.uid} {jail.limits.uid} []"  # no supplementary groups
    assert lines[1] == "False"  # the canary's folder does not exist in there
    assert lines[2] == "['home', 'tmp']"  # not the private folder with its passwd file
    assert lines[3].startswith("False")
    assert lines[4] == "None learner"  # the grader's environment stays outside
    assert (jail.home / "mine.txt").read_text() == "ok"
    assert SECRET not in done.stdout + done.stderr


def test_it_cannot_write_the_system_or_reach_the_host(jail):
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        done = run_in(
            jail,
            "import socket\n"
            "for path in ('/usr/evil', '/etc/passwd', '/work-evil'):\n"
            "    try:\n"
            "        open(path, 'w')\n"
            "        print('wrote', path)\n"
            "    except OSError as exc:\n"
            "        print('refused', type(exc).__name__)\n"
            "try:\n"
            f"    socket.create_connection(('127.0.0.1', {port}), timeout=2)\n"
            "    print('reached the host')\n"
            "except OSError as exc:\n"
            "    print('unreachable', type(exc).__name__)\n"
            "s = socket.create_server(('127.0.0.1', 0))\n"  # its own loopback works
            "print('own loopback', s.getsockname()[0])\n",
        )
    assert done.returncode == 0, done.stderr
    assert "wrote" not in done.stdout and done.stdout.count("refused") == 3
    assert "unreachable ConnectionRefusedError" in done.stdout
    assert "own loopback 127.0.0.1" in done.stdout


@pytest.mark.parametrize("jail", [{"memory_limit": 200 * 2**20}], indirect=True)
def test_a_memory_bomb_is_killed_in_its_cgroup(jail):
    done = run_in(jail, "hog = []\nwhile True:\n    hog.append(b'x' * (16 << 20))\n")
    assert done.returncode != 0
    assert jail.cgroup.oom_kills() >= 1
    assert jail.cgroup.peak_memory() <= 200 * 2**20


@pytest.mark.parametrize("jail", [{"process_limit": 30}], indirect=True)
def test_a_fork_bomb_stops_at_the_process_cap(jail):
    done = run_in(
        jail,
        "import subprocess\n"
        "started = 0\n"
        "try:\n"
        "    for _ in range(100):\n"
        "        subprocess.Popen(['sleep', '30'])\n"
        "        started += 1\n"
        "except OSError as exc:\n"
        "    print('refused after', started)\n",
    )
    assert "refused after" in done.stdout, done.stdout + done.stderr
    assert int(done.stdout.split()[-1]) < 30
    assert jail.cgroup.forks_refused() >= 1


#: Processes that try to outlive their unit: one in a new session, one forked and detached.
ESCAPING = (
    "import os, subprocess, time\n"
    "subprocess.Popen(['sleep', '300'], start_new_session=True)\n"
    "if os.fork() == 0:\n"
    "    os.setsid()\n"
    "    time.sleep(300)\n"
    "time.sleep(300)\n"
)


def test_destroy_leaves_nothing_of_the_unit(jail):
    code = ESCAPING
    command = jail.command([sys.executable, "-c", code], env=jail.env({}))
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while len(jail.cgroup.pids()) < 4 and time.monotonic() < deadline:
        time.sleep(0.1)
    inside = jail.cgroup.pids()
    assert len(inside) >= 4  # bwrap's init, python, sleep, the daemon

    killed = jail.destroy()

    proc.wait(timeout=10)
    assert inside <= killed
    assert not any(psutil.pid_exists(p) and psutil.Process(p).status() != "zombie" for p in inside)
    assert not any(folder.exists() for folder in jail.cgroup.folders())
    assert not jail.ipc.exists()


def test_problems_say_what_is_missing_and_how_to_fix_it(monkeypatch):
    sandbox.problems.cache_clear()
    monkeypatch.setattr(sandbox.shutil, "which", lambda tool: None)
    try:
        found = sandbox.problems()
    finally:
        sandbox.problems.cache_clear()
    assert any("apt-get install bubblewrap" in p for p in found)
    assert any("apt-get install util-linux" in p for p in found)
    from grader.exceptions import SandboxUnavailableError
    from grader.grading import drivers

    with pytest.raises(SandboxUnavailableError, match="--unsafe"):
        monkeypatch.setattr(sandbox.BwrapDriver, "problems", lambda self: tuple(found))
        drivers.pick("bwrap")


def test_stale_cgroups_of_a_dead_grader_are_removed(tmp_path):
    if os.environ.get("CI") != "true" and sandbox.problems():
        pytest.skip("no sandbox here")
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    stale = sandbox.Cgroup(f"{dead.stdout.strip()}.ghost.01_provision").create(SandboxLimits())
    mine = sandbox.Cgroup(f"{os.getpid()}.alive.01_provision").create(SandboxLimits())
    try:
        removed = sandbox.remove_stale_cgroups()
        assert stale.name in removed and mine.name not in removed
        assert not any(f.exists() for f in stale.folders())
        assert all(f.exists() for f in mine.folders())
    finally:
        mine.remove()
        stale.remove()


def test_the_package_parent_holds_grader():
    assert (Path(sandbox.package_parent()) / "grader" / "__init__.py").exists()


#: add_key and keyctl, per machine (the sandbox knows keyctl's; add_key is its neighbour).
_ADD_KEY = {"x86_64": 248, "aarch64": 217}
_KEYS = f"""
import ctypes, os, platform, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
ADD, KEYCTL = {_ADD_KEY}[platform.machine()], {sandbox._KEYCTL}[platform.machine()]
def add(ring, name):
    return libc.syscall(ADD, b"user", name.encode(), b"secret", 6, ring)
def found(ring, name):
    return libc.syscall(KEYCTL, 10, ring, b"user", name.encode(), 0) > 0  # KEYCTL_SEARCH
"""
USER, SESSION = -4, -3


def _other_jail(tmp_path, name="other"):
    unit = tmp_path / name
    return BwrapSandbox.create(
        f"{os.getpid()}.test.{tmp_path.name}.{name}",
        writable=[unit / "home", unit / "tmp"],
        home=unit / "home",
        tmp=unit / "tmp",
        private=unit / "private",
        limits=SandboxLimits(),
    )


@pytest.mark.skipif(os.uname().machine not in _ADD_KEY, reason="syscall numbers of this machine")
def test_units_have_keyrings_of_their_own(jail, tmp_path):
    """A key one unit adds is not in the next unit, and no unit has the grader's keys."""
    code = _KEYS + "print(add(USER, 'left-by-a'), add(SESSION, 'left-by-a-s'))\n"
    done = run_in(jail, code.replace("USER", str(USER)).replace("SESSION", str(SESSION)))
    assert done.returncode == 0, done.stderr
    assert all(int(n) > 0 for n in done.stdout.split()), done.stdout  # the keys were added
    other = _other_jail(tmp_path)
    try:
        probe = _KEYS + (
            f"print(found({USER}, 'left-by-a'), found({SESSION}, 'left-by-a-s'), "
            f"found({SESSION}, 'the-graders-key'), found({USER}, 'the-graders-key'))\n"
        )
        # The grader's process holds a key in its session keyring, then starts the unit.
        grader_side = _KEYS + (
            f"add({SESSION}, 'the-graders-key')\nos.execvp(sys.argv[1], sys.argv[1:])\n"
        )
        command = other.command([sys.executable, "-c", probe], env=other.env({}))
        seen = subprocess.run(
            [sys.executable, "-c", grader_side, *command],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        again = run_in(jail, probe)  # the same unit's sandbox, a later process
    finally:
        other.destroy()
    assert seen.returncode == 0, seen.stderr
    assert seen.stdout.split() == ["False"] * 4
    assert again.stdout.split() == ["False"] * 4, "a key outlived its process's sandbox"


def test_no_host_folder_and_no_host_path_is_visible(tmp_path):
    """No /opt; the mount table names neither the output folder nor the instructor's."""
    if os.environ.get("CI") != "true" and sandbox.problems():
        pytest.skip("no sandbox here: " + "; ".join(sandbox.problems()))
    live = sandbox.unit_folder()
    made = BwrapSandbox.create(
        f"{os.getpid()}.test.{tmp_path.name}.neutral",
        writable=[live / "lab-home", live / "home", live / "tmp"],
        home=live / "home",
        tmp=live / "tmp",
        private=live / "private",
        limits=SandboxLimits(),
    )
    try:
        code = (
            "import os\n"
            "print(os.path.exists('/opt') and os.listdir('/opt'))\n"
            "print(open('/proc/self/mountinfo').read())\n"
        )
        command = made.command([sys.executable, "-c", code], env=made.env({}))
        done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    finally:
        made.destroy()
        import shutil

        shutil.rmtree(live, ignore_errors=True)
    assert done.returncode == 0, done.stderr
    first, mounts = done.stdout.split("\n", 1)
    assert first in ("False", "[]") or "/opt" not in mounts.split()
    assert str(tmp_path) not in mounts and str(live.parent) in mounts
    assert " /opt " not in mounts


def test_the_kernels_environment_is_an_allow_list(tmp_path):
    """The instructor's tokens never pass, whatever their prefix; the lab's settings do."""
    made = BwrapSandbox(
        writable=(), home=tmp_path / "h", tmp=tmp_path / "t", ipc=tmp_path / "i",
        etc=tmp_path / "e", cgroup=sandbox.Cgroup("none"), limits=SandboxLimits(),
    )  # fmt: skip
    unit = {
        "MLFLOW_TRACKING_TOKEN": SECRET,
        "JUPYTERHUB_API_TOKEN": SECRET,
        "SPARK_AUTH_SECRET": SECRET,
        "DATABRICKS_TOKEN": SECRET,
        "MLFLOW_LAB_HOME": str(tmp_path / "lab-home"),
        "MLFLOW_LAB_USER": "alice",
        "MLFLOW_LAB_SPARK_MEMORY": "2g",
        "SPARK_LOCAL_DIRS": str(tmp_path / "spark"),
    }
    env = made.env(unit)
    assert SECRET not in env.values()
    assert env["MLFLOW_LAB_HOME"] == unit["MLFLOW_LAB_HOME"] and env["MLFLOW_LAB_USER"] == "alice"
    assert env["MLFLOW_LAB_SPARK_MEMORY"] == "2g" and env["SPARK_LOCAL_DIRS"]
    assert set(env) <= {*sandbox.PASSED_ENV, *sandbox.kernel_env_names(), "HOME", "TMPDIR",
                        "USER", "LOGNAME", "PATH", "PYTHONPATH", "MPLCONFIGDIR"}  # fmt: skip


def test_unit_folders_of_a_dead_grader_are_removed(monkeypatch, tmp_path):
    monkeypatch.setattr(sandbox, "UNITS_ROOT", tmp_path / "units")
    mine = sandbox.unit_folder()
    dead = subprocess.Popen(["true"])
    dead.wait()
    stale = tmp_path / "units" / f"unit-{dead.pid}-abc"
    stale.mkdir()
    assert sandbox.remove_stale_unit_folders() == [stale.name]
    assert mine.exists() and not stale.exists()
