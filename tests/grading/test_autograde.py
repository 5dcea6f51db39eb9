"""A class graded in one command: full marks for correct work, exact losses for typical
mistakes, reasons for what could not be graded, the same scores with 1 or 2 workers, and
a killed batch that resumes. Fixture submissions are built from the course notebooks."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from grader.grading.autograde import autograde, max_points
from grader.grading.isolation import processes_of
from tests.grading.make_submissions import (
    STEPS,
    learner_notebook,
    with_cell,
    with_mistake,
    write_student,
)
from tests.grading.printed import skipped_count

pytestmark = pytest.mark.slow

MAXIMA = max_points()
COURSE_MAX = sum(MAXIMA.values())

#: mistake → (its notebook, the tests it must cost, and nothing else)
LOSSES = {
    "no_dropna": ("03_data_prep", {"check_data_prep"}),
    "wrong_split": ("03_data_prep", {"check_split"}),
    "wrong_hyperparameters": ("04_mlflow_run", {"check_mlflow_run"}),
    "model_not_logged": ("04_mlflow_run", {"check_mlflow_model"}),
    "wrong_model_name": ("06_register_deploy", {"check_register", "check_endpoint"}),
    "endpoint_not_deleted": ("07_cleanup", {"check_endpoint_deleted"}),
}


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.fixture
def graded(graded_class):
    """The session's class (tests/grading/conftest.py), graded once with 2 workers."""
    return graded_class.batch, graded_class.out


def test_every_student_has_a_row(graded, graded_class):
    _, out = graded
    rows = {r["student"]: r for r in read_csv(out / "grades.csv")}
    expected = (
        {"alice", "bob", "gina", "hank", "dora", "mallory"}
        | {m.replace("_", "-") for m in LOSSES}
        | set(graded_class.cases)
    )
    assert set(rows) == expected
    assert all(float(r["max"]) == COURSE_MAX for r in rows.values())


def test_reference_solution_gets_full_marks(graded):
    _, out = graded
    alice = next(r for r in read_csv(out / "grades.csv") if r["student"] == "alice")
    assert float(alice["total"]) == COURSE_MAX, alice


def test_untouched_notebooks_get_zero(graded):
    _, out = graded
    bob = next(r for r in read_csv(out / "grades.csv") if r["student"] == "bob")
    assert float(bob["total"]) == 0 and bob["reason"] == "", bob


@pytest.mark.parametrize("mistake", sorted(LOSSES))
def test_each_mistake_costs_exactly_its_checks(graded, mistake):
    _, out = graded
    notebook, lost = LOSSES[mistake]
    tests = [
        r
        for r in read_csv(out / "tests.csv")
        if r["student"] == mistake.replace("_", "-") and r["notebook"] == notebook
    ]
    failed = {r["test"] for r in tests if r["result"] == "fail"}
    assert failed == lost
    assert all(r["reason"] for r in tests if r["result"] == "fail")  # says what was wrong
    row = next(r for r in read_csv(out / "grades.csv") if r["student"] == mistake.replace("_", "-"))
    lost_points = sum(float(r["max"]) for r in tests if r["test"] in lost)
    assert float(row[notebook]) == MAXIMA[notebook] - lost_points


def test_unreadable_missing_and_zip(graded):
    _, out = graded
    rows = {r["student"]: r for r in read_csv(out / "grades.csv")}
    assert "02_cluster: could not be read" in rows["gina"]["reason"]
    assert "03_data_prep: missing" in rows["gina"]["reason"]
    assert float(rows["gina"]["01_provision"]) == MAXIMA["01_provision"]
    assert float(rows["hank"]["01_provision"]) == MAXIMA["01_provision"]  # from the zip


def test_a_dead_kernel_fails_only_the_rest(graded):
    _, out = graded
    tests = {r["test"]: r for r in read_csv(out / "tests.csv") if r["student"] == "dora"}
    assert tests["check_connect"]["result"] == "pass"  # ran before the kernel died
    assert tests["check_data"]["result"] == "fail"
    assert tests["check_data"]["reason"] == "kernel died"


def test_outcomes_are_checked_outside_the_kernel(graded):
    _, out = graded
    tests = {r["test"]: r for r in read_csv(out / "tests.csv") if r["student"] == "mallory"}
    for test in ("check_mlflow_run", "check_mlflow_model"):
        assert tests[test]["result"] == "fail"
    # Its hand-made run has the right parameters, but no model was ever trained or logged
    # (said after the tampering, which comes first).
    assert "not confirmed by the lab's records" in tests["check_mlflow_model"]["reason"]
    # It also replaced the checks in its kernel: that costs the notebook.
    assert tests["check_mlflow_run"]["reason"].startswith("tampering with the grader")


def test_gradebook_feedback_and_summary(graded):
    from nbgrader.api import Gradebook

    _, out = graded
    with Gradebook(f"sqlite:///{out / 'nbgrader' / 'gradebook.db'}") as gb:
        assert gb.find_submission("mlflow_lab", "alice").score == COURSE_MAX
        assert gb.find_submission("mlflow_lab", "bob").score == 0
    page = (out / "feedback" / "no-dropna.html").read_text(encoding="utf-8")
    assert "incomplete rows dropped" in page and "hint" in page
    for html in (out / "feedback").glob("*.html"):
        text = html.read_text(encoding="utf-8")
        assert "hidden_call" not in text and "endpoint.others" not in text
    assert (out / "summary" / "summary.md").exists()
    assert (out / "summary" / "pass_rates.png").read_bytes()[:4] == b"\x89PNG"
    assert processes_of(out) == []


def _mini_class(root: Path) -> Path:
    subs = root / "subs"
    write_student(subs, "m1", {"01_provision": learner_notebook("01_provision")})
    write_student(subs, "m2", with_mistake("no_dropna"))
    write_student(
        subs,
        "m3",
        {"01_provision": with_cell("01_provision", "upload", "import time\ntime.sleep(600)")},
    )
    return subs


def test_two_workers_give_the_scores_of_one(tmp_path):
    subs = _mini_class(tmp_path)
    one = autograde(submissions_dir=subs, out=tmp_path / "one", workers=1, notebook_timeout=45)
    two = autograde(submissions_dir=subs, out=tmp_path / "two", workers=2, notebook_timeout=45)
    assert read_csv(tmp_path / "one" / "grades.csv") == read_csv(tmp_path / "two" / "grades.csv")
    m3 = next(s for s in one.students if s.student == "m3")
    assert m3.notebook("01_provision").reason == "timed out"
    assert processes_of(tmp_path) == []
    assert two.graded == one.graded == 3 * len(STEPS)  # every (student, notebook) unit


def test_a_killed_batch_resumes(tmp_path):
    subs = tmp_path / "subs"
    for name in ("r1", "r2", "r3"):
        write_student(subs, name, {"01_provision": learner_notebook("01_provision")})
    out = tmp_path / "out"
    command = [
        sys.executable,
        "-m",
        "grader.cli",
        "autograde",
        str(subs),
        "--out",
        str(out),
        "--workers",
        "1",
    ]
    first = subprocess.Popen(
        command, start_new_session=True, env=os.environ | {"PYTHONPATH": os.pathsep.join(sys.path)}
    )
    results = out / "results"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        done = [p for p in results.glob("r*/01_provision.json")] if results.exists() else []
        if done:
            break
        time.sleep(0.5)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    finished = {p.parent.name for p in results.glob("r*/01_provision.json")}
    assert 1 <= len(finished) < 3, finished
    kept = len(list(results.glob("*/*.json")))

    second = subprocess.run(
        command,
        capture_output=True,
        text=True,
        env=os.environ | {"PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert second.returncode == 0, second.stdout + second.stderr
    assert skipped_count(second.stdout) == kept
    rows = {r["student"]: r for r in read_csv(out / "grades.csv")}
    assert all(float(rows[s]["01_provision"]) == MAXIMA["01_provision"] for s in ("r1", "r2", "r3"))
    assert processes_of(out) == []
