"""Hostile and broken submissions in one class with correct work: each gets exactly what
it earned, with the reason; nothing outside its sandbox is read, changed, reached or left
running; the correct student's marks are the full marks it gets alone.

The class is graded once per session (``graded_class`` in conftest.py); the cases and
their expected outcomes are in :mod:`tests.grading.adversarial`.
"""

from __future__ import annotations

import csv
import json
import os
import socket
from pathlib import Path

import nbformat
import psutil
import pytest

from grader.exceptions import SandboxUnavailableError
from grader.grading import container, sandbox
from grader.grading.autograde import autograde, max_points
from grader.grading.isolation import processes_of
from grader.grading.sandbox import CGROUP_PARENT, CGROUP_ROOT
from tests.grading.adversarial import STEP, assert_earned, case_names

pytestmark = pytest.mark.slow

MAXIMA = max_points()
COURSE_MAX = sum(MAXIMA.values())


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_the_sandbox_is_available_in_ci():
    """CI installs bubblewrap and runs as root: a missing sandbox must fail there, not skip."""
    if os.environ.get("CI") == "true" or not sandbox.problems():
        assert sandbox.problems() == ()


@pytest.mark.parametrize("student", case_names())
def test_each_case_gets_exactly_what_it_earned(graded_class, student):
    case = graded_class.cases[student]
    tests = [r for r in read_csv(graded_class.out / "tests.csv") if r["student"] == student]
    row = next(r for r in read_csv(graded_class.out / "grades.csv") if r["student"] == student)
    assert_earned(case, tests, row)
    assert float(row["max"]) == COURSE_MAX  # no tampering raises the maximum


def test_the_correct_student_gets_full_marks_among_hostile_ones(graded_class):
    alice = next(r for r in read_csv(graded_class.out / "grades.csv") if r["student"] == "alice")
    assert float(alice["total"]) == COURSE_MAX, alice


def test_the_canary_is_unchanged_and_its_secret_is_in_no_output(graded_class):
    t = graded_class.targets
    content, mtime = graded_class.canary_before
    assert t.canary.read_bytes() == content and t.canary.stat().st_mtime == mtime
    needle = t.secret.encode()
    leaks = [
        str(path)
        for path in graded_class.out.rglob("*")
        if path.is_file() and not path.is_symlink() and needle in path.read_bytes()
    ]
    assert leaks == [], f"the secret leaked into {leaks}"


def test_the_snoop_saw_nothing_outside(graded_class):
    notebook = (
        graded_class.out / "nbgrader" / "autograded" / "snoop" / "mlflow_lab" / f"{STEP}.ipynb"
    )
    text = "".join(
        o.get("text", "")
        for c in nbformat.read(notebook, as_version=4).cells
        for o in c.get("outputs", [])
    )
    assert "read refused" in text and "found: []" in text, text[:3000]
    assert "reached the host's port" not in text and "killed a host process" not in text
    assert "GRADER_TEST_SECRET" not in text  # the instructor's environment stays outside
    assert "listing /root/* []" in text
    for name in ("grades.csv", "gradebook.db"):
        assert f"write refused: {graded_class.out}" in text and name in text
    with pytest.raises(BlockingIOError):
        graded_class.host_listener.accept()  # nobody connected to the host's port


def _outputs(graded_class, student: str, step: str) -> str:
    """The text of every output of ``student``'s autograded ``step`` (the instructor's copy)."""
    notebook = graded_class.out / "nbgrader" / "autograded" / student / "mlflow_lab"
    cells = nbformat.read(notebook / f"{step}.ipynb", as_version=4).cells
    return "".join(
        o.get("text", "") + o.get("evalue", "") for c in cells for o in c.get("outputs", [])
    )


def _learners_view(graded_class, student: str) -> str:
    """Everything the grader wrote about ``student`` outside the nbgrader folder (feedback,
    results, reports)."""
    texts = []
    for path in graded_class.out.rglob("*"):
        if "nbgrader" in path.parts or "work" in path.parts or not path.is_file():
            continue
        if student in path.parts or student in path.name or path.suffix in (".csv", ".md"):
            texts.append(path.read_text(encoding="utf-8", errors="replace"))
    return "\n".join(texts)


def test_zero_work_earns_zero_whatever_the_kernel_said(graded_class):
    """Every cell passed in the kernel, the audit was replaced in HOME: nothing confirms."""
    row = next(r for r in read_csv(graded_class.out / "grades.csv") if r["student"] == "zero-work")
    assert float(row["total"]) == 0, row
    folder = graded_class.out / "nbgrader" / "autograded" / "zero-work" / "mlflow_lab"
    for step in ("01_provision", "07_cleanup"):
        cells = nbformat.read(folder / f"{step}.ipynb", as_version=4).cells
        errors = [o for c in cells for o in c.get("outputs", []) if o["output_type"] == "error"]
        assert errors == [], errors  # in the kernel, every test cell passed


def test_the_instructors_secrets_keys_and_paths_stay_outside(graded_class):
    seen = _outputs(graded_class, "keyring-a", STEP)
    assert "environment:" in seen and "mounts:" in seen  # the case really looked
    assert "found the grader's key" not in seen
    mounts = seen.split("mounts:", 1)[1].split("opt:", 1)[0]
    assert str(graded_class.out) not in mounts and str(graded_class.out.parent) not in mounts
    assert " /opt " not in mounts and "opt: False" in seen
    assert "found a key of another unit" not in _outputs(graded_class, "keyring-b", STEP)


def test_a_hidden_test_quoted_by_the_learners_kernel_stays_hidden(graded_class):
    kernel = _outputs(graded_class, "hidden-quoted", "05_function")
    assert "function.hidden_call" in kernel  # the attack worked inside the kernel
    view = _learners_view(graded_class, "hidden-quoted")
    assert "hidden-quoted" in view and "function.hidden_call" not in view
    assert "HIDDEN TESTS" not in view


def test_the_gradebook_and_reports_were_written_by_the_grader_only(graded_class):
    from nbgrader.api import Gradebook

    grades = (graded_class.out / "grades.csv").read_text(encoding="utf-8")
    assert "overwritten by a submission" not in grades
    with Gradebook(f"sqlite:///{graded_class.out / 'nbgrader' / 'gradebook.db'}") as gb:
        assert gb.find_submission("mlflow_lab", "alice").score == COURSE_MAX


def test_a_forged_record_kills_nothing_of_the_host(graded_class):
    assert graded_class.decoy_alive


def test_no_process_is_left(graded_class):
    assert graded_class.leftovers == []
    assert processes_of(graded_class.out) == []
    for controller in ("memory", "pids", "cpu"):  # the units' cgroups are named by our pid
        parent = CGROUP_ROOT / controller / CGROUP_PARENT
        ours = list(parent.glob(f"{os.getpid()}.*")) if parent.exists() else []
        assert ours == [], ours
    port = graded_class.targets.host_port
    alive = [c for c in psutil.net_connections("tcp") if c.laddr and c.laddr.port == 5000]
    assert alive == [], "a submission's port is open on the host"
    with socket.socket() as s:  # the test's own listener still holds its port: nobody took it
        assert s.connect_ex(("127.0.0.1", port)) == 0


def test_caps_stopped_the_bombs(graded_class):
    work = graded_class.out / "work"
    memory = json.loads((work / "fault-memory-bomb" / STEP / "usage.json").read_text())
    forks = json.loads((work / "fault-fork-bomb" / STEP / "usage.json").read_text())
    assert memory["oom_kills"] >= 1
    assert forks["forks_refused"] >= 1


def test_loud_output_is_cut_not_kept(graded_class):
    notebook = (
        graded_class.out / "nbgrader" / "autograded" / "fault-loud" / "mlflow_lab" / f"{STEP}.ipynb"
    )
    assert notebook.stat().st_size < 5_000_000
    assert "[output cut" in notebook.read_text(encoding="utf-8")


def _no_driver_works(monkeypatch) -> None:
    """A machine without bubblewrap and without a container engine."""
    missing = ("`bwrap` is not installed: apt-get install bubblewrap",)
    monkeypatch.setattr(sandbox.BwrapDriver, "problems", lambda self: missing)
    no_engine = ("no container engine answers: install docker or podman",)
    monkeypatch.setattr(container.ContainerDriver, "problems", lambda self: no_engine)


def test_grading_refuses_without_a_sandbox_unless_unsafe(tmp_path, monkeypatch):
    _no_driver_works(monkeypatch)
    (tmp_path / "subs").mkdir()
    with pytest.raises(SandboxUnavailableError, match=r"(?s)apt-get install bubblewrap.*--unsafe"):
        autograde(submissions_dir=tmp_path / "subs", out=tmp_path / "out")
    assert not (tmp_path / "out").exists()  # refused before anything was written
    batch = autograde(submissions_dir=tmp_path / "subs", out=tmp_path / "out", unsafe=True)
    assert batch.students == []


def test_the_command_says_what_is_missing_and_exits_1(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from grader.cli import main

    _no_driver_works(monkeypatch)
    (tmp_path / "subs").mkdir()
    result = CliRunner().invoke(
        main, ["autograde", str(tmp_path / "subs"), "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 1
    assert "apt-get install bubblewrap" in result.output and "--unsafe" in result.output


# --- Reports and memory (issue 13, items 4 and 5) ----------------------------------------


def test_every_student_has_every_report_whatever_the_others_did(graded_class):
    out = graded_class.out
    students = {r["student"] for r in read_csv(out / "grades.csv")}
    assert {"alice", *graded_class.cases} <= students
    pages = {p.stem for p in (out / "feedback").glob("*.html")}
    assert pages == students
    assert graded_class.batch.errors == []
    for name in ("grades.csv", "tests.csv", "summary/summary.md"):
        (out / name).read_bytes().decode("utf-8")  # every one whole and valid UTF-8


def test_files_beside_the_hand_ins_are_ignored_not_graded(graded_class):
    from tests.grading.adversarial import STRAYS

    students = {r["student"] for r in read_csv(graded_class.out / "grades.csv")}
    assert not students & {"README", "README.md", "notes", "notes.txt"}
    assert graded_class.batch.ignored == sorted(STRAYS)
    summary = (graded_class.out / "summary" / "summary.md").read_text(encoding="utf-8")
    assert all(f"- {name}" in summary for name in STRAYS)


def test_names_differing_only_in_case_are_both_graded_with_the_reason(graded_class):
    rows = {r["student"]: r for r in read_csv(graded_class.out / "grades.csv")}
    for student in ("alice", "ALICE-2"):
        assert "alice and ALICE have the same name ignoring case" in rows[student]["reason"]
    assert float(rows["alice"]["total"]) == COURSE_MAX


def test_hostile_text_is_shown_inert_in_every_report(graded_class):
    out, student = graded_class.out, "report-hostile-text"
    page = (out / "feedback" / f"{student}.html").read_text(encoding="utf-8")
    assert "<script>" not in page and "&lt;script&gt;" in page
    (row,) = (
        r
        for r in read_csv(out / "tests.csv")
        if r["student"] == student and r["test"] == "check_connect"
    )
    assert "<script>" in row["reason"] and "\x1b" not in row["reason"]  # text, not markup
    for path in (out / "tests.csv", out / "grades.csv", out / "summary" / "summary.md"):
        assert "\x1b" not in path.read_text(encoding="utf-8")


def test_a_huge_error_is_cut_before_the_grader_keeps_it(graded_class):
    notebook = (
        graded_class.out / "nbgrader" / "autograded" / "memory-huge-error" / "mlflow_lab"
        / f"{STEP}.ipynb"
    )  # fmt: skip
    assert notebook.stat().st_size < 1_000_000
    result = json.loads(
        (graded_class.out / "results" / "memory-huge-error" / f"{STEP}.json").read_text()
    )
    # its value and traceback travel as one 300 MB message: refused at the socket
    assert result["reason"].startswith("too large: this notebook's kernel sent a message past")
