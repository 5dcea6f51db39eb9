"""The sandbox on its own, without a kernel: what a process inside sees, can do, and leaves.

Each test starts plain processes in a :class:`~grader.grading.sandbox.Jail` (a second or
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
from grader.grading.sandbox import Jail

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
    made = Jail.create(
        f"{os.getpid()}.test.{tmp_path.name}",
        writable=[unit / "home", unit / "tmp"],
        home=unit / "home",
        tmp=unit / "tmp",
        private=unit / "private",
        limits=SandboxLimits(**limits),
    )
    yield made
    made.destroy()


def run_in(jail: Jail, code: str, timeout: float = 60) -> subprocess.CompletedProcess:
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


def test_destroy_leaves_nothing_of_the_unit(jail):
    code = (
        "import os, subprocess, time\n"
        "subprocess.Popen(['sleep', '300'], start_new_session=True)\n"
        "if os.fork() == 0:\n"
        "    os.setsid()\n"
        "    time.sleep(300)\n"
        "time.sleep(300)\n"
    )
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
    with pytest.raises(sandbox.SandboxUnavailableError, match="--unsafe"):
        monkeypatch.setattr(sandbox, "problems", lambda: found)
        sandbox.require()


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
