"""Self-check messages: every one has Korean, the table follows MLFLOW_LAB_LANG, and every
failure says what was expected and what was found."""

from __future__ import annotations

import ast
import string
from pathlib import Path

import pytest

from grader.checks import data_prep
from grader.checks.i18n import t
from grader.checks.learner import Learner
from grader.checks.messages_ko import KO
from grader.checks.report import Report
from grader.exceptions import ConfigError

GRADER = Path(__file__).resolve().parents[2] / "grader"
CHECKS = GRADER / "checks"
#: Learner-facing text outside the checks: "See your run", the feedback page, its reasons.
ELSEWHERE = [GRADER / "lab" / "display.py", GRADER / "lab" / "lab.py",
             GRADER / "grading" / "feedback.py", GRADER / "grading" / "collect.py"]  # fmt: skip


def _calls(name: str):
    """Every call of ``name(...)`` in the check modules (and the other learner-facing
    modules), with its file."""
    for path in sorted(CHECKS.glob("*.py")) + ELSEWHERE:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == name:
                yield path.name, node
            if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == name:
                yield path.name, node


def _messages() -> dict[str, str]:
    """English message → file, for every ``t("...")`` (and the module-level HINT)."""
    from grader.grading import feedback

    found = {}
    for file, call in [*_calls("t"), *_calls("translate")]:
        if call.args and isinstance(call.args[0], ast.Constant):
            found.setdefault(call.args[0].value, file)
    for text in [*feedback._REASONS, "Test", "Points", "Result", "Report"]:  # said by name
        found.setdefault(text, "feedback.py")
    from grader.grading import validate_server as v  # Validate's progress, said by name

    for text in (v.STARTED, v.RUNNING, v.DONE, v.STOPPED):
        found.setdefault(text, "validate_server.py")
    for path in sorted(CHECKS.glob("*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "").endswith("HINT"):
                found.setdefault(node.value.value, path.name)
    return found


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def test_the_scan_finds_the_messages():
    messages = _messages()
    assert len(messages) > 100
    assert "{n} rows" in messages and "Step 03 · split 70/30" in messages


def test_every_message_has_korean_with_the_same_fields():
    messages = _messages()
    missing = sorted(m for m in messages if m not in KO)
    assert not missing, f"no Korean for: {missing}"
    for english, korean in KO.items():
        assert _fields(english) == _fields(korean), english
        assert any("\uac00" <= ch <= "\ud7a3" for ch in korean), f"not Korean: {korean}"


def test_no_korean_for_a_message_that_is_gone():
    used = set(_messages())
    stale = sorted(m for m in KO if m not in used)
    assert not stale, f"Korean for messages no check uses any more: {stale}"


#: Check names that are code, the same in every language.
CODE_NAMES = {"train_penguin_model(training_data, test_data, maxIterations, regularization)"}


def _report_rows():
    """Every ``report.add(...)`` call: a row of a check's table (not a set's ``add``)."""
    for file, call in _calls("add"):
        if getattr(call.func.value, "id", None) == "report":
            yield file, call


def test_every_check_name_is_translated():
    """The first argument of ``report.add`` (what the table's row says) goes through t()."""
    for file, call in _report_rows():
        what = call.args[0]
        translated = isinstance(what, ast.Call) and getattr(what.func, "id", None) == "t"
        code = isinstance(what, ast.Constant) and what.value in CODE_NAMES
        assert translated or code, f"{file}:{call.lineno}: {ast.unparse(what)} is not translated"


def test_every_failure_names_expected_and_found():
    """Statically: each ``report.add(...)`` gives expected= and found=."""
    for file, call in _report_rows():
        keywords = {k.arg for k in call.keywords}
        assert {"expected", "found"} <= keywords, f"{file}:{call.lineno} lacks expected/found"


def failing() -> Report:
    report = Report(t("Step 03 · clean and type the data"))
    report.add(t("incomplete rows dropped"), False, expected=t("{n} rows", n=342),
               found=t("{n} rows", n=344), hint=t("data.dropna() removes the 2 penguins without measurements."))  # fmt: skip
    return report


def test_english_by_default(monkeypatch):
    monkeypatch.delenv("MLFLOW_LAB_LANG", raising=False)
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    text = str(failing())
    assert "expected: 342 rows" in text and "found:    344 rows" in text
    assert "Step 03 · clean and type the data: 0/1 checks passed" in text


def test_korean_table_and_messages(monkeypatch):
    monkeypatch.setenv("MLFLOW_LAB_LANG", "ko")
    report = failing()
    text = str(report)
    assert text.splitlines()[0] == "3단계 · 데이터 정리 및 타입 지정: 1개 중 0개 통과"
    assert "  실패  불완전한 행 제거" in text
    assert "기대값: 342행" in text and "실제값: 344행" in text
    assert "힌트:  data.dropna()는 측정값이 없는 펭귄 2마리를 제거합니다." in text
    html = report._repr_html_()
    assert all(f">{head}</th>" in html for head in ("기대값", "실제값", "힌트"))
    assert 'data-state="failed"' in html
    assert "✘ 실패" in html
    assert "아직 통과하지 못한" in report_traceback(report)[0]


def report_traceback(report: Report) -> list[str]:
    with pytest.raises(Exception) as info:
        report.raise_for_failures()
    return info.value._render_traceback_()


def test_a_real_check_speaks_korean(monkeypatch):
    monkeypatch.setenv("MLFLOW_LAB_LANG", "ko")
    report = data_prep.split(None, Learner({}))
    assert not report.passed
    first = report.failures[0]
    assert first.what == "`data` 변수가 정의됨"
    assert first.expected == "DataFrame 객체" and first.found == "data 변수가 없음"


def test_an_unknown_language_names_the_setting(monkeypatch):
    monkeypatch.setenv("MLFLOW_LAB_LANG", "fr")
    with pytest.raises(ConfigError, match=r"MLFLOW_LAB_LANG=.fr.*en, ko"):
        t("none")


def test_a_notebook_of_the_korean_edition_speaks_korean(monkeypatch):
    """Jupyter tells the kernel its notebook's path; the setting, when set, wins."""
    monkeypatch.delenv("MLFLOW_LAB_LANG", raising=False)
    monkeypatch.setenv("JPY_SESSION_NAME", "/home/me/course/ko/mlflow_lab/03_data_prep.ipynb")
    assert t("none") == "없음"
    monkeypatch.setenv("JPY_SESSION_NAME", "/home/me/course/mlflow_lab/03_data_prep.ipynb")
    assert t("none") == "none"
    monkeypatch.setenv("MLFLOW_LAB_LANG", "ko")
    assert t("none") == "없음"
    monkeypatch.setenv("JPY_SESSION_NAME", "/home/me/course/ko/mlflow_lab/03_data_prep.ipynb")
    monkeypatch.setenv("MLFLOW_LAB_LANG", "en")
    assert t("none") == "none"


def test_validate_in_the_korean_folder_speaks_korean(monkeypatch, tmp_path):
    """nbgrader's Validate starts the kernel in the notebook's folder, without a session."""
    monkeypatch.delenv("MLFLOW_LAB_LANG", raising=False)
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    folder = tmp_path / "course" / "ko" / "mlflow_lab"
    folder.mkdir(parents=True)
    monkeypatch.chdir(folder)
    assert t("none") == "없음"
    monkeypatch.chdir(tmp_path)
    assert t("none") == "none"
