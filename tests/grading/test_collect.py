"""Reading what nbgrader made of a notebook: test cells, points and learner-safe messages."""

from __future__ import annotations

import json
from contextlib import contextmanager
from types import SimpleNamespace
from typing import ClassVar

import nbformat
import pytest

from grader.checks.report import Report, SelfCheckFailed
from grader.grading import results as r
from grader.grading.collect import MAX_MESSAGE, _message, collect, grade_cells, unscored
from grader.grading.config import ASSIGNMENT
from grader.grading.preprocessors.survive_dead_kernel import KERNEL_DIED, _died
from grader.lab.steps import START, STEPS
from tests.notebooks.conftest import COURSE, SOLUTIONS

HIDDEN_LINE = 'lab.check("function.hidden_call")'


def metadata_tests(step: str) -> list[tuple[str, float]]:
    """(grade id, points) of a solution notebook, read straight from its JSON."""
    raw = json.loads((SOLUTIONS / f"{step}.ipynb").read_text(encoding="utf-8"))
    found = []
    for cell in raw["cells"]:
        meta = cell["metadata"].get("nbgrader", {})
        if meta.get("grade"):
            found.append((meta["grade_id"], float(meta["points"])))
    return found


def error(ename: str, evalue: str, traceback: list[str]) -> dict:
    return {"output_type": "error", "ename": ename, "evalue": evalue, "traceback": traceback}


def ipython_traceback(ename: str, evalue: str) -> list[str]:
    """What IPython records for an ordinary error in a test cell: colours and source lines."""
    return [
        "\x1b[0;31m---------------------------------------------------------------------------\x1b[0m",
        f"\x1b[0;31m{ename}\x1b[0m                                 Traceback (most recent call last)",
        "Cell \x1b[0;32mIn[12], line 3\x1b[0m\n"
        '\x1b[1;32m      1\x1b[0m lab\x1b[38;5;241m.\x1b[39mcheck(\x1b[38;5;124m"function.run"\x1b[39m)\n'
        f"\x1b[0;32m----> 3\x1b[0m {HIDDEN_LINE}",
        f"\x1b[0;31m{ename}\x1b[0m: {evalue}",
    ]


def failed_report() -> Report:
    report = Report("Data preparation")
    report.add("the data has 7 columns", True, expected=7, found=7)
    report.add("rows with missing values dropped", False, expected=333, found=344, hint="dropna()")
    report.add("split 70/30", False, expected="[0.7, 0.3]", found="[0.5, 0.5]")
    return report


# --- grade cells ------------------------------------------------------------------------


@pytest.mark.parametrize("step", STEPS)
def test_grade_cells_match_the_nbgrader_metadata(step):
    cells = grade_cells(SOLUTIONS / f"{step}.ipynb")
    assert cells == metadata_tests(step)
    assert cells, f"{step} has no test cell"
    assert len({gid for gid, _ in cells}) == len(cells)
    assert all(points > 0 for _, points in cells)
    # The released notebook keeps the same tests (nbgrader generates it from the solution).
    assert grade_cells(COURSE / f"{step}.ipynb") == cells


def test_the_course_max_is_the_sum_of_the_test_points():
    assert sorted(p.stem for p in SOLUTIONS.glob("*.ipynb")) == [START, *STEPS]
    course_max = sum(points for step in STEPS for _, points in metadata_tests(step))
    assert sum(pts for step in STEPS for _, pts in grade_cells(SOLUTIONS / f"{step}.ipynb")) == (
        course_max
    )
    assert course_max > 0


@pytest.mark.parametrize("reason", [r.MISSING, r.UNREADABLE, r.TIMED_OUT, r.KERNEL_DIED])
def test_unscored_gives_every_test_zero_with_the_reason(reason):
    result = unscored(SOLUTIONS / "02_cluster.ipynb", reason)

    assert result.notebook == "02_cluster"
    assert result.reason == reason
    assert [(t.test_id, t.max_points) for t in result.tests] == metadata_tests("02_cluster")
    assert all(t.points == 0 and not t.passed and t.reason == reason for t in result.tests)
    assert all(t.message == "" for t in result.tests)
    assert result.score == 0
    assert result.max_score == sum(points for _, points in metadata_tests("02_cluster"))


# --- messages ---------------------------------------------------------------------------


def test_a_failed_check_shows_its_report_without_colours():
    report = failed_report()
    traceback = SelfCheckFailed(str(report))._render_traceback_()
    assert any("\x1b[" in line for line in traceback)  # IPython's colours are there to strip

    message, reason = _message([error("SelfCheckFailed", str(report), traceback)])

    assert message == str(report)  # the value: the report itself, never a traceback
    assert "\x1b" not in message
    # The per-test reason is the report's first failure, in one line.
    assert reason == "rows with missing values dropped: expected 333, found 344"


def test_a_long_report_is_cut():
    report = Report("Everything")
    for i in range(500):
        report.add(f"fact {i}", False, expected=i, found=-i)
    traceback = SelfCheckFailed(str(report))._render_traceback_()

    message, _ = _message([error("SelfCheckFailed", str(report), traceback)])

    assert len(message) == MAX_MESSAGE
    assert message.startswith("Everything: 0/500 checks passed")


def test_a_timed_out_cell_says_so_and_nothing_else():
    outputs = [
        error(
            "CellTimeoutError",
            "A cell timed out while it was being executed, after 60 seconds.",
            ipython_traceback("CellTimeoutError", "A cell timed out"),
        )
    ]

    message, reason = _message(outputs)

    assert reason == r.TIMED_OUT
    assert message == "The cell did not finish in time."


def test_a_dead_kernel_says_so():
    died = _died(
        "the kernel stopped while this cell ran (it crashed, was killed or ran out of memory)"
    )
    assert died.ename == KERNEL_DIED

    message, reason = _message([died])

    assert reason == r.KERNEL_DIED
    assert message == died.evalue


@pytest.mark.parametrize(
    ("ename", "evalue"),
    [
        ("NameError", "name 'lab' is not defined"),
        ("AttributeError", "'NoneType' object has no attribute 'run_id'"),
        ("CheckFailed", "no run in experiment /Users/alice/penguins"),
        ("AssertionError", ""),
    ],
)
def test_any_other_error_shows_its_name_and_text_never_the_source(ename, evalue):
    outputs = [error(ename, f"\x1b[0;31m{evalue}\x1b[0m", ipython_traceback(ename, evalue))]

    message, reason = _message(outputs)

    assert message == f"{ename}: {evalue}"
    assert reason == ""
    assert "hidden_call" not in message and "---->" not in message and "\x1b" not in message


def test_only_errors_count_and_the_first_one_wins():
    outputs = [
        {"output_type": "stream", "name": "stdout", "text": "Traceback: FAIL hidden\n"},
        {"output_type": "display_data", "data": {"text/plain": "x"}, "metadata": {}},
        error("NameError", "name 'lab' is not defined", ipython_traceback("NameError", "x")),
        _died("not run: the kernel had stopped"),
    ]

    assert _message(outputs) == ("NameError: name 'lab' is not defined", "")
    assert _message(outputs[:2]) == ("", "")
    assert _message([]) == ("", "")


# --- collect ----------------------------------------------------------------------------


class FakeGradebook:
    """What :func:`collect` asks of nbgrader's ``Gradebook`` (the real one runs alembic)."""

    grades: ClassVar[dict[str, dict[str, tuple[float | None, float]]]] = {}

    def __init__(self, url: str) -> None:
        self.url = url

    def __enter__(self) -> FakeGradebook:
        return self

    def __exit__(self, *exc) -> None:
        return None

    def find_submission_notebook(self, notebook: str, assignment: str, student: str):
        from nbgrader.api import MissingEntry

        if notebook not in self.grades or assignment != ASSIGNMENT:
            raise MissingEntry()
        return SimpleNamespace(
            grades=[
                SimpleNamespace(name=name, score=score, max_score=max_score)
                for name, (score, max_score) in self.grades[notebook].items()
            ]
        )


@contextmanager
def autograded(tmp_path, monkeypatch, step: str, outputs: dict[str, list], grades: dict):
    """A unit folder holding ``step`` as nbgrader autograded it, and its gradebook."""
    import nbgrader.api

    notebook = nbformat.read(SOLUTIONS / f"{step}.ipynb", as_version=4)
    for cell in notebook.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if cell.cell_type == "code":
            cell.outputs = [nbformat.from_dict(o) for o in outputs.get(gid, [])]
    path = tmp_path / "autograded" / "alice" / ASSIGNMENT / f"{step}.ipynb"
    path.parent.mkdir(parents=True)
    nbformat.write(notebook, path)
    monkeypatch.setattr(nbgrader.api, "Gradebook", FakeGradebook)
    monkeypatch.setattr(FakeGradebook, "grades", {step: grades})
    yield tmp_path


def test_collect_reads_scores_from_the_gradebook_and_messages_from_the_notebook(
    tmp_path, monkeypatch
):
    report = failed_report()
    outputs = {
        "check_cluster_spec": [{"output_type": "stream", "name": "stdout", "text": "ok\n"}],
        "check_cluster_running": [
            error("SelfCheckFailed", str(report), SelfCheckFailed(str(report))._render_traceback_())
        ],
    }
    grades = {"check_cluster_spec": (3.0, 3.0), "check_cluster_running": (None, 2.0)}

    with autograded(tmp_path, monkeypatch, "02_cluster", outputs, grades) as root:
        result = collect(root, "alice", SOLUTIONS / "02_cluster.ipynb")

    spec, running = result.tests
    assert (spec.test_id, spec.points, spec.max_points, spec.passed) == (
        "check_cluster_spec",
        3.0,
        3.0,
        True,
    )
    assert spec.message == "" and spec.reason == ""
    assert (running.test_id, running.points, running.max_points, running.passed) == (
        "check_cluster_running",
        0.0,
        2.0,
        False,
    )
    assert running.message == str(report)
    assert result.score == 3.0 and result.max_score == 5.0
    assert result.reason == ""


def test_collect_gives_a_notebook_the_reason_it_scored_nothing(tmp_path, monkeypatch):
    outputs = {
        "check_cluster_spec": [_died("the kernel stopped while this cell ran")],
        "check_cluster_running": [_died("not run: the kernel had stopped")],
    }
    grades = {"check_cluster_spec": (0.0, 3.0), "check_cluster_running": (0.0, 2.0)}

    with autograded(tmp_path, monkeypatch, "02_cluster", outputs, grades) as root:
        result = collect(root, "alice", SOLUTIONS / "02_cluster.ipynb")

    assert result.reason == r.KERNEL_DIED
    assert [t.reason for t in result.tests] == [r.KERNEL_DIED, r.KERNEL_DIED]
    assert result.score == 0


def test_a_grade_the_gradebook_lacks_scores_zero_out_of_the_source_points(tmp_path, monkeypatch):
    with autograded(
        tmp_path, monkeypatch, "02_cluster", {}, {"check_cluster_spec": (3.0, 3.0)}
    ) as root:
        result = collect(root, "alice", SOLUTIONS / "02_cluster.ipynb")

    assert [(t.points, t.max_points, t.passed) for t in result.tests] == [
        (3.0, 3.0, True),
        (0.0, 2.0, False),
    ]


def test_a_notebook_whose_checks_all_failed_has_no_notebook_reason(tmp_path, monkeypatch):
    report = failed_report()
    traceback = SelfCheckFailed(str(report))._render_traceback_()
    outputs = {"check_data_prep": [error("SelfCheckFailed", str(report), traceback)]}

    with autograded(
        tmp_path, monkeypatch, "03_data_prep", outputs, {"check_data_prep": (0.0, 3.0)}
    ) as root:
        result = collect(root, "alice", SOLUTIONS / "03_data_prep.ipynb")

    assert result.score == 0
    assert result.reason == ""  # results.py: "empty when it was graded normally"


def test_collect_without_an_autograded_notebook_is_a_dead_kernel(tmp_path):
    result = collect(tmp_path, "alice", SOLUTIONS / "01_provision.ipynb")

    assert result.reason == r.KERNEL_DIED
    assert result.score == 0
    assert [t.test_id for t in result.tests] == [gid for gid, _ in metadata_tests("01_provision")]


def test_collect_without_a_gradebook_entry_is_a_dead_kernel(tmp_path, monkeypatch):
    with autograded(tmp_path, monkeypatch, "02_cluster", {}, {}) as root:
        monkeypatch.setattr(FakeGradebook, "grades", {})
        result = collect(root, "alice", SOLUTIONS / "02_cluster.ipynb")

    assert result.reason == r.KERNEL_DIED
    assert [t.points for t in result.tests] == [0.0, 0.0]


def test_a_notebook_past_an_output_cap_scores_nothing_with_why(tmp_path, monkeypatch):
    from grader.grading.preprocessors.survive_dead_kernel import OUTPUT_TOO_LARGE

    marker = error(OUTPUT_TOO_LARGE, "this notebook's kernel sent an error output of 9 bytes", [])
    outputs = {"check_cluster_spec": [marker]}
    grades = {"check_cluster_spec": (3.0, 3.0), "check_cluster_running": (2.0, 2.0)}

    with autograded(tmp_path, monkeypatch, "02_cluster", outputs, grades) as root:
        result = collect(root, "alice", SOLUTIONS / "02_cluster.ipynb")

    assert result.score == 0 and result.max_score == 5.0
    assert result.reason == "too large: this notebook's kernel sent an error output of 9 bytes"
    assert all(t.reason == result.reason for t in result.tests)


def test_a_record_named_with_a_lone_surrogate_reaches_every_report_printable(tmp_path, monkeypatch):
    """The outside audit quotes an endpoint record's name (``"\\ud800"``) in its report: the
    unit's result holds it, and the reports still write (it shows as U+FFFD)."""
    import json

    from grader.grading.feedback import write_all_feedback
    from grader.grading.outcomes import AUDIT_FILE
    from grader.grading.reports import write_tests_csv
    from grader.grading.results import StudentResult

    grades = {"check_connect": (1.0, 1.0), "check_data": (2.0, 2.0)}
    with autograded(tmp_path, monkeypatch, "01_provision", {}, grades) as root:
        report = "Step 01\n  FAIL  endpoint deleted\n    expected: none\n    found: \ud800\x1b[2J"
        audit = {"check_data": {"passed": False, "report": report}}
        (root / AUDIT_FILE).write_text(json.dumps(audit), encoding="utf-8")  # as the audit does
        result = collect(root, "alice", SOLUTIONS / "01_provision.ipynb")

    data = next(t for t in result.tests if t.test_id == "check_data")
    assert data.points == 0 and "\ud800" in data.reason  # the record's name, as it was
    student = StudentResult("alice", [result])
    text = write_tests_csv([student], tmp_path / "tests.csv").read_text(encoding="utf-8")
    assert "found \ufffd\ufffd[2J" in text
    (page,) = write_all_feedback([student], tmp_path / "feedback")
    assert "\ud800" not in page.read_text(encoding="utf-8")
