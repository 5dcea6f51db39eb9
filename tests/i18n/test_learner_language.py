"""The learner's language everywhere: the notebook's metadata first (wherever the notebook
was moved), then MLFLOW_LAB_LANG, then the edition's folder; graded feedback and its page
follow the hand-in's edition."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import nbformat
import pytest

from grader.checks.i18n import notebook_language, t
from grader.checks.report import first_failure
from grader.grading.feedback import render_feedback
from grader.grading.isolation import UnitFolders
from grader.grading.results import NOT_CONFIRMED, NotebookResult, StudentResult
from grader.grading.results import TestResult as CellResult  # not collected by pytest
from grader.lab import steps
from tests.grading.make_submissions import COURSE, learner_notebook, write_student

KOREAN_COURSE = COURSE.parent / "ko" / COURSE.name


@pytest.fixture(autouse=True)
def _no_step():
    yield
    steps._current = None


def _notebook(folder: Path, step: str, language: str | None) -> Path:
    nb = nbformat.v4.new_notebook()
    if language:
        nb.metadata["mlflow_lab"] = {"language": language}
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{step}.ipynb"
    nbformat.write(nb, path)
    return path


def test_the_release_names_the_korean_edition_in_its_metadata():
    for path in sorted(KOREAN_COURSE.glob("*.ipynb")):
        assert notebook_language(path) == "ko", path.name
    assert notebook_language(COURSE / "01_provision.ipynb") is None


def test_a_korean_hand_in_outside_course_ko_speaks_korean(tmp_path, monkeypatch):
    """The graded kernel runs in submitted/<student>/mlflow_lab/: no 'ko' in the path."""
    monkeypatch.delenv("MLFLOW_LAB_LANG", raising=False)
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    folder = tmp_path / "submitted" / "alice" / "mlflow_lab"
    _notebook(folder, "03_data_prep", "ko")
    monkeypatch.chdir(folder)
    assert t("none") == "none"  # no step yet: which notebook this is, nobody said
    steps.enter("03_data_prep")
    assert t("none") == "없음"


def test_the_metadata_wins_over_the_setting_and_the_setting_over_the_folder(tmp_path, monkeypatch):
    korean = _notebook(tmp_path / "anywhere", "03_data_prep", "ko")
    monkeypatch.setenv("JPY_SESSION_NAME", str(korean))
    monkeypatch.setenv("MLFLOW_LAB_LANG", "en")
    assert t("none") == "없음"
    english = _notebook(tmp_path / "course" / "ko" / "mlflow_lab", "03_data_prep", None)
    monkeypatch.setenv("JPY_SESSION_NAME", str(english))
    assert t("none") == "none"  # no metadata: the setting, before the folder
    monkeypatch.delenv("MLFLOW_LAB_LANG")
    assert t("none") == "없음"  # then the folder


def test_a_metadata_language_that_is_not_the_courses_is_ignored(tmp_path, monkeypatch):
    monkeypatch.delenv("MLFLOW_LAB_LANG", raising=False)
    monkeypatch.setenv("JPY_SESSION_NAME", str(_notebook(tmp_path, "03_data_prep", "fr")))
    assert t("none") == "none"


def test_the_graded_kernel_and_audit_get_the_hand_ins_language(tmp_path):
    sandbox = UnitFolders(tmp_path / "unit", "alice", language="ko")
    assert sandbox.env()["MLFLOW_LAB_LANG"] == "ko"


def test_a_korean_report_gives_a_korean_reason(monkeypatch):
    from grader.checks.report import Report

    monkeypatch.setenv("MLFLOW_LAB_LANG", "ko")
    report = Report(t("Step 03 · clean and type the data"))
    report.add(t("incomplete rows dropped"), False, expected=t("{n} rows", n=342),
               found=t("{n} rows", n=344))  # fmt: skip
    assert first_failure(str(report)) == "불완전한 행 제거: 기대값 342행, 실제값 344행"
    monkeypatch.setenv("MLFLOW_LAB_LANG", "en")
    report = Report(t("Step 03 · clean and type the data"))
    report.add(t("incomplete rows dropped"), False, expected="342 rows", found="344 rows")
    assert (
        first_failure(str(report)) == "incomplete rows dropped: expected 342 rows, found 344 rows"
    )


def _student(language: str) -> StudentResult:
    failed = CellResult("check_data", 0, 2, False, "실패 …", f"{NOT_CONFIRMED}: …")
    return StudentResult("alice", [NotebookResult("01_provision", [failed], language=language)])


def test_the_feedback_page_speaks_the_hand_ins_language():
    page = render_feedback(_student("ko"))
    assert '<html lang="ko">' in page
    assert "alice님의 피드백" in page and "총점:" in page and "<th>테스트</th>" in page
    assert "실습 기록으로 확인되지 않음: …" in page
    english = render_feedback(_student("en"))
    assert '<html lang="en">' in english and "Feedback for alice" in english


def test_a_result_keeps_its_language(tmp_path):
    result = NotebookResult("01_provision", language="ko")
    result.save(tmp_path / "r.json")
    assert NotebookResult.load(tmp_path / "r.json").language == "ko"
    assert json.loads((tmp_path / "r.json").read_text())["language"] == "ko"


def _korean_hand_in(edit: tuple[str, str]):
    """Step 01 of the Korean edition, solved, with one mistake."""
    notebook = learner_notebook("01_provision", edit=edit)
    korean = nbformat.read(KOREAN_COURSE / "01_provision.ipynb", as_version=4)
    notebook.metadata["mlflow_lab"] = korean.metadata["mlflow_lab"]
    return notebook


@pytest.mark.slow
def test_a_korean_hand_in_gets_korean_feedback(tmp_path):
    """Graded for real, in the sandbox: the check's report and the page are Korean."""
    from grader.grading.autograde import autograde

    subs = tmp_path / "subs"
    upload = 'w.dbfs.upload("/mlflow_lab/penguins.csv", io.BytesIO(penguins_csv()), overwrite=True)'
    write_student(subs, "minji", {"01_provision": _korean_hand_in((upload, "pass"))})
    write_student(subs, "tom", {"01_provision": learner_notebook("01_provision", edit=(upload, "pass"))})  # fmt: skip
    out = tmp_path / "out"
    autograde(submissions_dir=subs, out=out, workers=1, notebook_timeout=600)
    with open(out / "tests.csv", newline="", encoding="utf-8") as f:
        rows = {(r["student"], r["test"]): r for r in csv.DictReader(f)}
    minji = rows[("minji", "check_data")]
    assert minji["result"] == "fail"
    page = (out / "feedback" / "minji.html").read_text(encoding="utf-8")
    assert '<html lang="ko">' in page and "minji님의 피드백" in page
    assert "실패  /mlflow_lab/penguins.csv 파일이 있음" in page
    assert "기대값" in page and "expected:" not in page
    tom = (out / "feedback" / "tom.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in tom and "FAIL  /mlflow_lab/penguins.csv exists" in tom
