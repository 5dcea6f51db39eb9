"""The sandbox drivers: bwrap on cgroup v2, bwrap without root (the watchdog), the choice of
driver, and ``grader doctor`` held to what a probe unit observes.

Plain processes, a second or a few each; the kernels of a graded class under each driver
are covered by test_adversarial.py.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil
import pytest

from grader.exceptions import SandboxUnavailableError
from grader.grading import cgroup_v2, doctor, drivers, sandbox, watchdog
from grader.grading.autograde import choose_driver
from grader.grading.cgroup_v2 import CgroupV2
from grader.grading.config import SandboxLimits
from grader.grading.sandbox import BwrapDriver, BwrapSandbox
from tests.grading.test_sandbox import ESCAPING

ROOT = os.geteuid() == 0
#: An unprivileged account every Linux has; the rootless tests grade as it.
NOBODY = 65534


def _need_root_sandbox() -> None:
    if os.environ.get("CI") != "true" and (not ROOT or sandbox.problems()):
        pytest.skip("no root bwrap sandbox here: " + "; ".join(sandbox.problems()))


# --- cgroup v2 ------------------------------------------------------------------------------


def test_the_v2_events_are_read_as_the_kernel_writes_them(tmp_path):
    """memory.events and pids.events as Linux writes them (Documentation/admin-guide/cgroup-v2)."""
    group = CgroupV2("unit", tmp_path)
    group.path.mkdir()
    (group.path / "memory.events").write_text("low 0\nhigh 0\nmax 12\noom 3\noom_kill 2\n")
    (group.path / "pids.events").write_text("max 7\n")
    (group.path / "memory.peak").write_text("209715200\n")
    assert (group.oom_kills(), group.forks_refused(), group.peak_memory()) == (2, 7, 200 << 20)


def test_the_v2_caps_are_written_where_the_kernel_reads_them(tmp_path):
    limits = SandboxLimits(memory_limit=300 << 20, process_limit=40, cpu_limit=1.5)
    group = CgroupV2("unit", tmp_path).create(limits)
    read = {f: (group.path / f).read_text() for f in ("memory.max", "memory.swap.max",
                                                      "pids.max", "cpu.max")}  # fmt: skip
    assert read == {"memory.max": str(300 << 20), "memory.swap.max": "0", "pids.max": "40",
                    "cpu.max": "150000 100000"}  # fmt: skip


@pytest.fixture
def v2_mount():
    """The machine's real cgroup2 mount, as root (it may offer no controller: see below)."""
    mount = cgroup_v2.mount_point()
    if mount is None or not ROOT:
        pytest.skip("no cgroup2 mount, or not root")
    return mount


def test_doctor_says_what_the_v2_mount_offers(v2_mount):
    """On a hybrid host the v2 mount holds no memory, pids or cpu controller: the driver
    must not claim v2 caps there, and its problem names what is missing."""
    offered = (v2_mount / "cgroup.controllers").read_text().split()
    missing = [c for c in cgroup_v2.CONTROLLERS if c not in offered]
    assert cgroup_v2.missing_controllers(v2_mount) == missing
    if missing:
        assert str(v2_mount) in sandbox._v2_problem() and missing[0] in sandbox._v2_problem()
        assert sandbox._v2_parent(root=True) is None


def test_a_unit_on_the_real_v2_mount_is_joined_and_killed_whole(v2_mount, tmp_path):
    """bwrap as root with a cgroup v2 unit: every process joins it, ``cgroup.kill`` ends all."""
    _need_root_sandbox()
    caps = not cgroup_v2.missing_controllers(v2_mount)
    group = CgroupV2(f"{os.getpid()}.test-v2", v2_mount / sandbox.CGROUP_PARENT, caps=caps)
    unit = tmp_path / "unit"
    made = BwrapSandbox.create(
        group.name, writable=[unit / "home", unit / "tmp"], home=unit / "home",
        tmp=unit / "tmp", private=unit / "private", limits=SandboxLimits(), cgroup=group,
    )  # fmt: skip
    code = ESCAPING
    proc = subprocess.Popen(made.command([sys.executable, "-c", code], env=made.env({})))
    try:
        deadline = time.monotonic() + 30
        while len(made.pids()) < 4 and time.monotonic() < deadline:
            time.sleep(0.1)
        inside = made.pids()
        assert len(inside) >= 4  # bwrap's init, python, sleep, the daemon
        killed = made.destroy()
        proc.wait(timeout=10)
    finally:
        group.remove()
        with contextlib.suppress(OSError):
            group.parent.rmdir()
    assert inside <= killed
    assert not group.path.exists()


# --- bwrap without root: the watchdog --------------------------------------------------------

#: Run as the unprivileged user: one unit of the rootless bwrap driver per case.
ROOTLESS = textwrap.dedent(
    """
    import json, os, subprocess, sys
    from grader.grading import doctor, sandbox
    from grader.grading.config import SandboxLimits
    case = sys.argv[1]
    driver = sandbox.BwrapDriver()
    assert not driver.root and driver.caps == "watchdog", driver.label
    if case == "probe":
        print(json.dumps({"probe": doctor.probe(driver), "label": driver.label,
                          "problems": driver.problems()}))
        sys.exit()
    limits = {"memory": SandboxLimits(memory_limit=200 << 20),
              "processes": SandboxLimits(process_limit=30)}[case]
    unit = sandbox.unit_folder()
    made = driver.create("rootless", writable=[unit / "home", unit / "tmp"], home=unit / "home",
                         tmp=unit / "tmp", private=unit / "private", limits=limits)
    bombs = {
        "memory": "hog = []\\nwhile True:\\n    hog.append(b'x' * (16 << 20))\\n",
        "processes": (
            "import subprocess, time\\n"
            "kids, refused = [], 0\\n"
            "for _ in range(100):\\n"
            "    try:\\n"
            "        kids.append(subprocess.Popen(['sleep', '30']))\\n"
            "    except OSError:\\n"
            "        refused += 1\\n"
            "time.sleep(1.5)\\n"
            "print('refused', refused, 'alive', sum(k.poll() is None for k in kids))\\n"
        ),
    }
    done = subprocess.run(made.command([sys.executable, "-c", bombs[case]], env=made.env({})),
                          capture_output=True, text=True, timeout=120)
    usage = made.usage()
    made.destroy()
    subprocess.run(["rm", "-rf", str(unit)])
    print(json.dumps({"rc": done.returncode, "out": done.stdout, "usage": usage}))
    """
)


def _as_nobody(code: str, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run ``code`` with this venv's Python as ``nobody``, in a mount namespace of its own.

    Where this Python lives below a folder others may not enter (a pyenv under /root), that
    folder is replaced, for this process only, by an empty one through which the Python's
    own folder is bound back: nothing of the machine's permissions changes. On a timeout,
    every process it started is killed."""
    base = Path(os.path.realpath(sys.base_prefix))
    closed = next((p for p in reversed(base.parents) if not os.stat(p).st_mode & 0o001), None)
    lend = ""
    if closed is not None:
        lend = (
            f'stage=$(mktemp -d) && mount --rbind "{base}" "$stage" && '
            f'mount -t tmpfs -o mode=755 lend "{closed}" && mkdir -p "{base}" && '
            f'mount --move "$stage" "{base}" && '
        )
    setpriv = f"setpriv --reuid {NOBODY} --regid {NOBODY} --clear-groups"
    script = f'{lend}exec {setpriv} -- "$@"'
    argv = [sys.executable, "-I", "-c", code, *args]
    proc = subprocess.Popen(
        ["unshare", "--mount", "--propagation", "private", "--", "sh", "-c", script, "as-nobody",
         *argv],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd="/",
        env={"PATH": os.environ["PATH"]},
    )  # fmt: skip
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        for child in [*psutil.Process(proc.pid).children(recursive=True), proc]:
            with contextlib.suppress(psutil.Error, ProcessLookupError):
                child.kill()
        out, err = proc.communicate()
        err += f"\n(killed after {timeout} s)"
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


@pytest.fixture
def rootless():
    if not ROOT or shutil.which("bwrap") is None or shutil.which("unshare") is None:
        pytest.skip("needs root (to become nobody) and bwrap")


def _rootless(case: str) -> dict:
    done = _as_nobody(ROOTLESS, case)
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_rootless_units_run_as_their_mapped_uid_with_no_host(rootless):
    found = _rootless("probe")
    assert found["label"] == "bwrap (rootless, watchdog)" and found["problems"] == []
    assert found["probe"] == {"uid": SandboxLimits().uid, "sees_host_file": False,
                              "network": "isolated"}  # fmt: skip


def test_rootless_memory_bomb_is_killed_by_the_watchdog(rootless):
    found = _rootless("memory")
    assert found["rc"] != 0
    assert found["usage"]["oom_kills"] >= 1  # reported as the cgroup reports it


def test_rootless_fork_bomb_is_held_at_the_process_cap(rootless):
    found = _rootless("processes")
    words = found["out"].split()
    refused, alive = int(words[1]), int(words[3])
    assert alive < 30  # of 100 started, only those under the cap (with python) live on
    # refused by the RLIMIT_NPROC backstop, or killed by the watchdog past the cap
    assert refused + found["usage"]["forks_refused"] >= 70, found


def test_the_watchdog_kills_the_newest_past_the_process_cap(tmp_path):
    """The watchdog alone, as any user: the oldest process (the kernel) survives."""
    report = tmp_path / "watchdog.json"
    code = (
        "import subprocess, time\n"
        "kids = [subprocess.Popen(['sleep', '30']) for _ in range(20)]\n"
        "time.sleep(1)\n"
        "print(sum(k.poll() is None for k in kids))\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "grader.grading.watchdog", "--memory", str(1 << 30),
         "--processes", "6", "--report", str(report), "--", sys.executable, "-c", code],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr  # the parent lived
    assert int(done.stdout) <= 5
    assert watchdog.load(report)["forks_refused"] >= 15


# --- the choice of driver, and doctor -------------------------------------------------------


def test_none_is_refused_without_unsafe():
    with pytest.raises(SandboxUnavailableError, match="--unsafe"):
        choose_driver("none", unsafe=False)
    assert choose_driver("none", unsafe=True) is None
    assert choose_driver("auto", unsafe=True) is None  # today's --unsafe, unchanged


def test_a_missing_driver_says_how_to_get_it(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda tool: None)
    with pytest.raises(SandboxUnavailableError) as refused:
        choose_driver("container", unsafe=False)
    assert "docker.io" in str(refused.value) and "grader doctor" in str(refused.value)


def test_a_dask_worker_reports_every_driver_it_lacks_and_grades_with_the_one_it_has(
    monkeypatch,
):
    """A worker describes itself with ``--sandbox auto``'s view (not bwrap's alone): a
    worker with only a container engine can grade, and one with neither says both whys."""
    from grader.grading import container, parcel

    monkeypatch.setattr(BwrapDriver, "problems", lambda self: ("no bwrap: apt-get install",))
    monkeypatch.setattr(container.ContainerDriver, "problems", lambda self: ())
    assert drivers.problems() == []
    assert drivers.pick().name == "container"
    monkeypatch.setattr(container.ContainerDriver, "problems", lambda self: ("no engine",))
    worker = parcel.describe_worker(False, type("W", (), {"name": "w1"})())
    assert worker["problems"] == ["bwrap: no bwrap: apt-get install", "container: no engine"]
    assert parcel.describe_worker(True, type("W", (), {"name": "w1"})())["problems"] == []


def test_doctor_tells_the_truth_about_every_driver_that_works(tmp_path):
    """Each working driver's claims (uid, files, network) against what a probe observes."""
    table = doctor.rows()
    working = [row for row in table if row.works]
    if os.environ.get("CI") != "true" and not working:
        pytest.skip("no driver works here")
    assert doctor.auto_choice(table) == working[0].label
    for row in working:
        seen = doctor.probe(drivers.driver(row.driver))
        assert row.enforcement.uid.startswith(f"{seen['uid']} "), (row.label, seen)
        assert (row.enforcement.network == "none") == (seen["network"] == "isolated")
        assert row.enforcement.files.startswith("own folders") and not seen["sees_host_file"]
    for row in table:
        assert row.works or (row.problems and row.enable)


def test_bwrap_as_root_on_cgroup_v1_is_labelled_so():
    _need_root_sandbox()
    if BwrapDriver().caps != "cgroup v1":
        pytest.skip("this machine has no cgroup v1 controllers")
    assert BwrapDriver().label == "bwrap (root, cgroup v1)"
    assert choose_driver("auto", unsafe=False).label == "bwrap (root, cgroup v1)"


# --- the container driver, without a daemon ---------------------------------------------------


def test_a_container_unit_gets_no_network_a_read_only_root_caps_and_only_its_folders(
    tmp_path, monkeypatch
):
    """The command the engine gets (what a daemon then enforces is tested where one runs)."""
    from grader.grading.container import ContainerDriver

    monkeypatch.setattr(shutil, "which", lambda tool: f"/usr/bin/{tool}")
    unit = tmp_path / "unit"
    limits = SandboxLimits(memory_limit=300 << 20, process_limit=50, cpu_limit=1.0)
    made = ContainerDriver().create(
        "1.alice.01", writable=[unit / "home", unit / "tmp"], home=unit / "home",
        tmp=unit / "tmp", private=unit / "private", limits=limits,
    )  # fmt: skip
    try:
        argv = made.command(
            [sys.executable, "-c", "pass"], env=made.env({"MLFLOW_TRACKING_TOKEN": "secret"})
        )
    finally:
        made.destroy()
    flags = " ".join(argv)
    assert argv[:3] == ["/usr/bin/docker", "run", "--rm"]
    for flag in ("--network none", "--read-only", f"--memory {300 << 20}",
                 f"--memory-swap {300 << 20}", "--pids-limit 50", "--cpus 1.0",
                 "--cap-drop ALL", "--security-opt no-new-privileges"):  # fmt: skip
        assert flag in flags, flag
    assert f"--user {made.owner}:{made.owner}" in flags and made.owner != 0
    mounts = [argv[i + 1] for i, a in enumerate(argv) if a == "--volume"]
    assert mounts == [f"{f}:{f}:rw" for f in (unit / "home", unit / "tmp", made.ipc)]
    assert "secret" not in flags  # the allow-list of the bwrap driver holds here too
    assert argv[-3:] == [sys.executable, "-c", "pass"]  # the shim before it runs python3
    assert argv[-7:-3] == ["/bin/sh", "-c", argv[-5], "host-python"]
    assert "p=python3" in argv[-5]


def test_autograde_refuses_sandbox_none_without_unsafe_before_touching_anything(tmp_path):
    from click.testing import CliRunner

    from grader.cli import main

    (tmp_path / "subs").mkdir()
    done = CliRunner().invoke(
        main, ["autograde", str(tmp_path / "subs"), "--out", str(tmp_path / "out"),
               "--sandbox", "none"],
    )  # fmt: skip
    assert done.exit_code == 1 and "--unsafe" in done.output
    assert not (tmp_path / "out").exists()


def test_autograde_names_its_driver_first(tmp_path, monkeypatch):
    """The first line says which sandbox grades (here a class with no hand-in: no kernel)."""
    from click.testing import CliRunner

    from grader.cli import main

    _need_root_sandbox()
    (tmp_path / "subs").mkdir()
    done = CliRunner().invoke(
        main, ["autograde", str(tmp_path / "subs"), "--out", str(tmp_path / "out")]
    )
    assert done.output.splitlines()[0] == f"sandbox: {drivers.default_driver().label}"
