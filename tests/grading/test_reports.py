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
