"""Each unit's nbgrader process: forked from a server that imported nbgrader once, and
still a process of its own, with only its unit's environment, folder and log."""

from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from grader.grading import autograde_unit


def report(argv: list[str]) -> int:
    """A stand-in for the unit's nbgrader: prints what its process was given."""
    print(
        json.dumps(
            {
                "argv": argv,
                "env": dict(os.environ),
                "cwd": os.getcwd(),
                "tmp": tempfile.gettempdir(),
                "session_leader": os.getsid(0) == os.getpid(),
                "nbgrader_imported_before": "nbgrader.apps" in sys.modules,
            }
        )
    )
    return 3


def sleep_forever(argv: list[str]) -> int:
    print("started", flush=True)
    time.sleep(600)
    return 0


def _unit(tmp_path: Path) -> tuple[dict[str, str], Path, Path]:
    cwd = tmp_path / "nbgrader"
    cwd.mkdir()
    (tmp_path / "tmp").mkdir()
    env = {"HOME": str(tmp_path), "TMPDIR": str(tmp_path / "tmp"), "PATH": os.environ["PATH"]}
    log = tmp_path / "autograde.log"
    log.write_text("kept\n")
    return env, cwd, log


def test_a_forked_unit_has_its_own_environment_folder_session_and_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GRADERS_OWN_SECRET", "not for units")
    env, cwd, log = _unit(tmp_path)
    child = autograde_unit.start(["--x", "1"], env=env, cwd=cwd, log=log, run=report)
    assert child.wait(timeout=120)
    assert child.exitcode == 3
    kept, printed = log.read_text().split("\n", 1)
    assert kept == "kept"  # appended, not overwritten
    seen = json.loads(printed.strip().splitlines()[-1])
    assert seen["argv"] == ["--x", "1"]
    assert seen["env"] == env  # the grader's own variables do not reach the unit
    assert seen["cwd"] == str(cwd)
    assert seen["tmp"] == str(tmp_path / "tmp")  # not a temp folder the server chose
    assert seen["session_leader"]  # the unit's group can be killed without the grader's
    # the point of forking: nbgrader was imported once, in the server, not by the unit
    assert seen["nbgrader_imported_before"]


def test_a_unit_out_of_time_is_killed_with_its_session(tmp_path: Path) -> None:
    env, cwd, log = _unit(tmp_path)
    child = autograde_unit.start([], env=env, cwd=cwd, log=log, run=sleep_forever)
    assert not child.wait(timeout=3)
    os.killpg(child.pid, 9)
    assert child.wait(timeout=30)
    assert "started" in log.read_text()


def _start_from_a_daemon(env: dict[str, str], cwd: str, log: str, out) -> None:
    child = autograde_unit.start(["--help"], env=env, cwd=Path(cwd), log=Path(log))
    out.send(child.wait(timeout=120))


def test_a_daemonic_worker_starts_the_unit_afresh(tmp_path: Path) -> None:
    """A Dask worker under a nanny is daemonic: multiprocessing refuses it children, so the
    unit's nbgrader starts as a new Python (here asked only for its usage)."""
    env, cwd, log = _unit(tmp_path)
    context = multiprocessing.get_context("spawn")
    mine, theirs = context.Pipe()
    daemon = context.Process(
        target=_start_from_a_daemon, args=(env, str(cwd), str(log), theirs), daemon=True
    )
    daemon.start()
    assert mine.poll(180) and mine.recv() is True
    daemon.join(30)
    text = log.read_text()
    assert text.startswith("kept\n") and "--cell-timeout" in text


def test_a_grader_run_by_module_name_forks_quietly(tmp_path: Path) -> None:
    """multiprocessing runs the parent's main module again in each child; the server has
    imported it already, and the instructor's terminal must not get a warning per unit."""
    done = subprocess.run(
        [sys.executable, "-m", "tests.grading.forking_main", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=Path(__file__).parents[2],
        timeout=180,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Warning" not in done.stderr, done.stderr[-2000:]
    seen = json.loads((tmp_path / "log").read_text().strip().splitlines()[-1])
    assert seen["nbgrader_imported_before"]
