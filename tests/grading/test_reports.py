"""The gradebook, the per-test table and the class summary, from hand-built results."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from grader.grading.reports import (
    course_max_points,
    format_points,
    pass_rates,
    write_grades_csv,
    write_summary,
    write_tests_csv,
)
from grader.grading.results import MISSING, TIMED_OUT, NotebookResult, StudentResult
from grader.grading.results import TestResult as CellResult  # not collected by pytest
from grader.lab.steps import STEPS

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
#: Every notebook has two tests: test_a (1 point) and test_b (1.5 points).
NOTEBOOK_MAX = 2.5
COURSE_MAX = NOTEBOOK_MAX * len(STEPS)


def notebook(name: str, *, failed: tuple[str, ...] = (), reason: str = "") -> NotebookResult:
    tests = []
    for test_id, max_points in (("test_a", 1.0), ("test_b", 1.5)):
        passed = test_id not in failed
        tests.append(
            CellResult(
                test_id=test_id,
                points=max_points if passed else 0.0,
                max_points=max_points,
                passed=passed,
                message=f"{name} {test_id}: {'all checks passed' if passed else 'expected 3, found 1'}",
            )
        )
    return NotebookResult(notebook=name, tests=tests, reason=reason)


def class_results() -> list[StudentResult]:
    """Four students, deliberately out of order:

    - alice: full marks (17.5)
    - bob: fails 04 test_b and 06 test_b (14.5)
    - carol: 03 missing (a result with no tests), no result at all for 07, fails 06 test_b (11)
    - dave: 05 timed out (its tests recorded at 0), fails 06 test_b (13.5)

    So 06_register_deploy / test_b is passed by one student in four: the lowest pass rate.
    """
    alice = StudentResult("alice", [notebook(n) for n in STEPS])
    bob = StudentResult(
        "bob",
        [
            notebook(n, failed=("test_b",) if n in ("04_mlflow_run", "06_register_deploy") else ())
            for n in STEPS
        ],
    )
    carol_notebooks = []
    for n in STEPS:
        if n == "03_data_prep":
            carol_notebooks.append(NotebookResult(notebook=n, reason=MISSING))
        elif n != "07_cleanup":
            carol_notebooks.append(
                notebook(n, failed=("test_b",) if n == "06_register_deploy" else ())
            )
    carol = StudentResult("carol", carol_notebooks)
    dave_notebooks = []
    for n in STEPS:
        if n == "05_function":
            dave_notebooks.append(notebook(n, failed=("test_a", "test_b"), reason=TIMED_OUT))
        else:
            dave_notebooks.append(
                notebook(n, failed=("test_b",) if n == "06_register_deploy" else ())
            )
    dave = StudentResult("dave", dave_notebooks)
    return [dave, bob, carol, alice]


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC, f"{path.name} is not a PNG"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


@pytest.mark.parametrize(
    ("value", "text"), [(3.0, "3"), (2.5, "2.5"), (0.1 + 0.2, "0.3"), (-0.0, "0"), (0, "0")]
)
def test_points_are_written_without_trailing_zeros(value, text):
    assert format_points(value) == text


def test_course_max_points_come_from_the_results_that_have_the_notebook():
    maxima = course_max_points(class_results())
    assert maxima == dict.fromkeys(STEPS, NOTEBOOK_MAX)
    assert list(maxima) == list(STEPS)
    nobody_has_tests = [StudentResult("x", [NotebookResult("01_provision", reason=TIMED_OUT)])]
    assert course_max_points(nobody_has_tests) == {}


def test_grades_csv_has_one_row_per_student_with_scores_total_max_and_reasons(tmp_path):
    path = write_grades_csv(
        class_results(),
        tmp_path / "grades.csv",
        max_points_by_notebook=course_max_points(class_results()),
    )
    with path.open(newline="", encoding="utf-8") as f:
        header = next(csv.reader(f))
    assert header == ["student", *STEPS, "total", "max", "reason"]
    rows = {row["student"]: row for row in read_csv(path)}
    assert [row["student"] for row in read_csv(path)] == ["alice", "bob", "carol", "dave"]
    assert all(row["max"] == "17.5" for row in rows.values())

    assert [rows["alice"][n] for n in STEPS] == ["2.5"] * 7
    assert rows["alice"]["total"] == "17.5" and rows["alice"]["reason"] == ""

    assert rows["bob"]["04_mlflow_run"] == "1" and rows["bob"]["06_register_deploy"] == "1"
    assert rows["bob"]["total"] == "14.5" and rows["bob"]["reason"] == ""

    assert rows["carol"]["03_data_prep"] == "0" and rows["carol"]["07_cleanup"] == "0"
    assert rows["carol"]["total"] == "11"
    assert rows["carol"]["reason"] == "03_data_prep: missing; 07_cleanup: missing"

    assert rows["dave"]["05_function"] == "0" and rows["dave"]["total"] == "13.5"
    assert rows["dave"]["reason"] == "05_function: timed out"
    assert all(value != "" for row in rows.values() for n, value in row.items() if n != "reason")


def test_grades_csv_max_is_the_course_max_even_when_every_student_lacks_a_notebook(tmp_path):
    results = [StudentResult("eve", [notebook("01_provision")])]
    with pytest.raises(ValueError, match="no max points given for 02_cluster"):
        write_grades_csv(
            results, tmp_path / "g.csv", max_points_by_notebook=course_max_points(results)
        )
    path = write_grades_csv(
        results, tmp_path / "g.csv", max_points_by_notebook=dict.fromkeys(STEPS, NOTEBOOK_MAX)
    )
    (row,) = read_csv(path)
    assert row["total"] == "2.5" and row["max"] == "17.5"
    assert row["reason"].startswith("02_cluster: missing; 03_data_prep: missing")


def test_grades_csv_refuses_two_results_for_one_student(tmp_path):
    results = [StudentResult("amy"), StudentResult("amy")]
    with pytest.raises(ValueError, match="'amy' has more than one result"):
        write_grades_csv(results, tmp_path / "g.csv", max_points_by_notebook={}, notebooks=())


def test_csv_text_that_a_spreadsheet_would_run_is_quoted(tmp_path):
    results = [StudentResult("=HYPERLINK(1)", [notebook("01_provision")])]
    path = write_grades_csv(
        results,
        tmp_path / "g.csv",
        max_points_by_notebook={"01_provision": 2.5},
        notebooks=("01_provision",),
    )
    assert read_csv(path)[0]["student"] == "'=HYPERLINK(1)"


def test_tests_csv_has_one_sorted_row_per_test_with_pass_or_fail(tmp_path):
    path = write_tests_csv(class_results(), tmp_path / "tests.csv")
    with path.open(newline="", encoding="utf-8") as f:
        header = next(csv.reader(f))
    assert header == ["student", "notebook", "test", "points", "max", "result", "reason"]
    rows = read_csv(path)
    # 7 notebooks x 2 tests, except carol: 03 has no tests and 07 no result.
    assert len(rows) == 14 + 14 + 10 + 14
    keys = [(r["student"], r["notebook"], r["test"]) for r in rows]
    assert keys == sorted(keys)
    assert keys[0] == ("alice", "01_provision", "test_a")
    by_key = dict(zip(keys, rows, strict=True))

    bob_fail = by_key[("bob", "04_mlflow_run", "test_b")]
    assert (bob_fail["points"], bob_fail["max"], bob_fail["result"]) == ("0", "1.5", "fail")
    alice_pass = by_key[("alice", "04_mlflow_run", "test_a")]
    assert (alice_pass["points"], alice_pass["max"], alice_pass["result"]) == ("1", "1", "pass")
    assert alice_pass["reason"] == ""
    # A timed-out notebook's tests say why they lost their points.
    assert by_key[("dave", "05_function", "test_a")]["reason"] == "timed out"
    assert not any(r["student"] == "carol" and r["notebook"] == "03_data_prep" for r in rows)
    assert sum(r["result"] == "fail" for r in rows) == 2 + 1 + 3  # bob, carol, dave


def test_pass_rates_count_the_whole_class_lowest_first():
    rates = pass_rates(class_results())
    assert (rates[0].label, rates[0].passed, rates[0].students) == (
        "06_register_deploy / test_b",
        1,
        4,
    )
    assert [p.rate for p in rates] == sorted(p.rate for p in rates)
    by_label = {p.label: p for p in rates}
    assert by_label["03_data_prep / test_a"].passed == 3  # carol's missing notebook did not pass
    assert by_label["07_cleanup / test_b"].passed == 3
    assert by_label["01_provision / test_a"].rate == 1.0


def test_summary_writes_markdown_and_small_png_charts(tmp_path):
    results = class_results()
    paths = write_summary(
        results, tmp_path / "summary", max_points_by_notebook=course_max_points(results)
    )
    assert [p.name for p in paths] == ["summary.md", "scores.png", "pass_rates.png"]
    assert all(p.is_file() and p.parent == tmp_path / "summary" for p in paths)
    assert png_size(paths[1]) == (600, 400)
    width, height = png_size(paths[2])
    assert width == 600 and height < 1000

    md = paths[0].read_text(encoding="utf-8")
    assert "- Students: 4" in md
    assert "- Median total: 14 / 17.5" in md  # totals 11, 13.5, 14.5, 17.5
    assert "- Mean total: 14.1" in md  # 14.125
    assert "![Total scores](scores.png)" in md and "![Pass rate per test](pass_rates.png)" in md

    table = [line for line in md.splitlines() if line.startswith("| ") and "---" not in line]
    assert table[0].startswith("| Notebook | Test |")
    assert table[1] == "| 06_register_deploy | test_b | 1 / 4 | 25 % |"
    assert len(table) == 1 + 14
    assert table[-1].endswith("| 4 / 4 | 100 % |")

    students = md.split("## Students with reasons", 1)[1]
    assert "- carol: 03_data_prep: missing; 07_cleanup: missing" in students
    assert "- dave: 05_function: timed out" in students
    assert "alice" not in students and "bob" not in students


def test_summary_escapes_untrusted_names_in_markdown(tmp_path):
    results = [
        StudentResult("<img src=x>|[a](b)", [notebook("01_provision", reason="kernel died")])
    ]
    (md, *_) = write_summary(
        results,
        tmp_path,
        max_points_by_notebook={"01_provision": 2.5},
        notebooks=("01_provision",),
    )
    text = md.read_text(encoding="utf-8")
    assert "<img" not in text and "&lt;img src=x&gt;\\|\\[a\\](b)" in text


def test_summary_of_an_empty_class_still_writes_its_files(tmp_path):
    paths = write_summary([], tmp_path, max_points_by_notebook=dict.fromkeys(STEPS, 2.5))
    assert all(p.is_file() for p in paths)
    png_size(paths[1]), png_size(paths[2])
    md = paths[0].read_text(encoding="utf-8")
    assert "- Students: 0" in md and "No test results." in md


# --- learner text and bad results never break the class's reports ------------------------

#: What a learner can put into a name, a run name, a record or a message.
HOSTILE = "\ud800 lone surrogate, \x00\x1b[31mred\x1b[0m\r\n<b>bold</b> =cmd|' ‮reversed‬ $x$"


def hostile_class() -> list[StudentResult]:
    """alice in full marks beside mallory, whose every string is hostile."""
    bad = CellResult(HOSTILE, 0.0, 1.0, False, message=HOSTILE, reason=HOSTILE)
    mallory = StudentResult(
        "mallory",
        [NotebookResult(n, [bad], reason=HOSTILE) for n in STEPS],
        problems=[HOSTILE],
    )
    return [StudentResult("alice", [notebook(n) for n in STEPS]), mallory]


def test_hostile_text_is_written_printable_to_csv_and_markdown(tmp_path):
    students = hostile_class()
    maxima = {n: NOTEBOOK_MAX for n in STEPS}
    grades = write_grades_csv(students, tmp_path / "grades.csv", max_points_by_notebook=maxima)
    tests = write_tests_csv(students, tmp_path / "tests.csv")
    summary = write_summary(
        students, tmp_path / "summary", max_points_by_notebook=maxima, ignored=[HOSTILE]
    )[0]
    for path in (grades, tests, summary):
        text = path.read_bytes().decode("utf-8")  # valid UTF-8: the surrogate did not stop it
        text = text.replace("\r\n", "\n")  # the CSV dialect's own row ends
        assert "\ufffd lone surrogate" in text
        assert not any(ch in text for ch in "\x00\x1b\r\u202e\u202c"), path.name
    rows = {r["student"]: r for r in read_csv(grades)}
    assert float(rows["alice"]["total"]) == COURSE_MAX  # the class's rows are all there
    assert rows["mallory"]["reason"].startswith("\ufffd lone surrogate")
    assert len([r for r in read_csv(tests) if r["student"] == "mallory"]) == len(STEPS)
    md = summary.read_text(encoding="utf-8")
    assert "<b>" not in md and "&lt;b&gt;" in md


def test_a_dollar_in_a_test_id_does_not_start_matplotlib_math(tmp_path):
    bad = NotebookResult("01_provision", [CellResult("$\\frac{", 0.0, 1.0, False)])
    paths = write_summary(
        [StudentResult("eve", [bad])],
        tmp_path,
        max_points_by_notebook={n: 1.0 for n in STEPS},
    )
    assert (tmp_path / "pass_rates.png").read_bytes()[:8] == PNG_MAGIC
    assert len(paths) == 3


def test_ignored_files_and_report_errors_are_listed_in_the_summary(tmp_path):
    (summary, *_) = write_summary(
        [],
        tmp_path,
        max_points_by_notebook={n: 1.0 for n in STEPS},
        ignored=["README.md", "grades-2025.xlsx"],
        errors=["feedback for 'x': disk full"],
    )
    md = summary.read_text(encoding="utf-8")
    assert "## Not graded" in md and "- README.md" in md and "- grades-2025.xlsx" in md
    assert "## Reports that could not be written" in md and "disk full" in md


# --- re-reporting a batch from its saved results (grader report) -------------------------


def saved_batch(out: Path) -> None:
    """alice's results are sound; mallory's 01 is not JSON and her 02 has text for points;
    zed's message quotes a record named with a lone surrogate; a README lay beside them."""
    from grader.grading.autograde import HAND_INS_FILE

    for step in STEPS:
        notebook(step).save(out / "results" / "alice" / f"{step}.json")
    (out / "results" / "mallory").mkdir(parents=True)
    (out / "results" / "mallory" / "01_provision.json").write_text("{", encoding="utf-8")
    broken = notebook("02_cluster")
    broken.tests[0].points = "abc"  # type: ignore[assignment]
    broken.save(out / "results" / "mallory" / "02_cluster.json")
    notebook("03_data_prep").save(out / "results" / "mallory" / "03_data_prep.json")
    zed = notebook("07_cleanup", failed=("test_a",))
    zed.tests[0].message = "endpoint '\ud800' still exists"
    zed.save(out / "results" / "zed" / "07_cleanup.json")
    (out / "results" / HAND_INS_FILE).write_text(
        '{"problems": {"zed": ["zed.zip could not be unpacked"]}, "ignored": ["README.md"]}'
    )


def test_report_writes_the_whole_class_when_one_result_is_bad(tmp_path):
    from grader.grading.autograde import report

    saved_batch(tmp_path)
    batch = report(out=tmp_path)

    rows = {r["student"]: r for r in read_csv(tmp_path / "grades.csv")}
    assert sorted(rows) == ["alice", "mallory", "zed"]
    assert float(rows["alice"]["total"]) == COURSE_MAX
    why = rows["mallory"]["reason"]
    assert "01_provision: grading error: its result file could not be read" in why
    assert "02_cluster: grading error" in why and "points" in why
    assert float(rows["mallory"]["03_data_prep"]) == NOTEBOOK_MAX  # her sound result stands
    assert rows["zed"]["reason"].startswith("zed.zip could not be unpacked")
    pages = sorted(p.name for p in (tmp_path / "feedback").iterdir())
    assert pages == ["alice.html", "mallory.html", "zed.html"]
    assert "\ufffd" in (tmp_path / "feedback" / "zed.html").read_text(encoding="utf-8")
    assert "- README.md" in (tmp_path / "summary" / "summary.md").read_text(encoding="utf-8")
    assert batch.errors == [] and batch.ignored == ["README.md"]


def test_the_report_command_says_what_was_wrong_and_succeeds(tmp_path):
    from click.testing import CliRunner

    from grader.cli import main

    saved_batch(tmp_path)
    result = CliRunner().invoke(main, ["report", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "mallory / 01_provision: grading error" in result.output
    assert "Not graded" in result.output and "README.md" in result.output


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("{", "could not be read"),
        ('{"notebook": "01_provision"}', "no list of tests"),
        (
            '{"notebook": "01_provision", "tests": [{"test_id": 1, "passed": false}]}',
            "'test_id' is not text",
        ),
        (
            '{"notebook": "01_provision", "tests": [{"test_id": "a", "passed": true,'
            ' "points": NaN, "max_points": 1}]}',
            "'points' is not a number",
        ),
        ('{"notebook": "02_cluster", "tests": []}', "'02_cluster'"),
    ],
)
def test_a_result_that_is_not_one_is_that_units_error(tmp_path, text, says):
    from grader.grading.results import GRADING_ERROR, load_or_error

    path = tmp_path / "01_provision.json"
    path.write_text(text, encoding="utf-8")
    result = load_or_error(path, "01_provision")
    assert result.notebook == "01_provision" and result.score == 0 and result.tests == []
    assert result.reason.startswith(GRADING_ERROR) and says in result.reason
