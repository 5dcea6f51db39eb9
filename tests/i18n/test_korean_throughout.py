"""The Korean edition is Korean throughout: its code's comments and printed labels, the
lab's own word for an MLflow run (실행), and a title that names the edition."""

from __future__ import annotations

import json
import re

import nbformat
import pytest
from nbgrader.utils import compute_checksum

from grader.checks.messages_ko import KO
from grader.grading.code_text import KEPT, PHRASES, read_phrases, translate_code
from tests.notebooks.conftest import COURSE, SOLUTIONS

KOREAN = COURSE.parent / "ko" / "mlflow_lab"
NOTEBOOKS = sorted(KOREAN.glob("*.ipynb"))
HANGUL = re.compile("[\uac00-\ud7a3]")
#: "run" as an English word, not inside `code`, runs:/ URIs, {placeholders} or names.
BARE_RUN = re.compile(r"(?<![A-Za-z0-9_/<`{.])run(?![A-Za-z0-9_`}(s])")


def _code_lines(path):
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            yield from cell.source.splitlines()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_korean_code_comments_are_korean(path):
    for line in _code_lines(path):
        stripped = line.strip()
        comment = stripped if stripped.startswith("#") else line.partition("  # ")[2]
        if comment and stripped not in KEPT:
            assert HANGUL.search(comment), f"{path.name}: an English comment: {line!r}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_korean_printed_labels_are_korean(path):
    for line in _code_lines(path):
        literal = re.match(r'\s*print\(f?"([^"]*[A-Za-z][^"]*)"', line)
        if literal and literal.group(1).strip():
            assert HANGUL.search(literal.group(1)), f"{path.name}: prints English: {line!r}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_korean_notebooks_name_their_edition(path):
    notebook = nbformat.read(path, as_version=4)
    assert notebook.metadata["title"].endswith("(한국어판)")
    english = nbformat.read(COURSE / path.name, as_version=4)
    assert notebook.metadata["title"] != english.metadata.get("title")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_translated_locked_cells_keep_valid_checksums(path):
    """Validate would call a locked cell with a stale checksum changed."""
    for cell in nbformat.read(path, as_version=4).cells:
        meta = cell.metadata.get("nbgrader", {})
        if "checksum" in meta and meta.get("locked"):
            assert meta["checksum"] == compute_checksum(cell), cell.source


def test_every_code_phrase_is_used():
    """A phrase no code cell holds any more is a translation gone stale."""
    code = "\n".join(
        cell.source
        for path in SOLUTIONS.glob("*.ipynb")
        for cell in nbformat.read(path, as_version=4).cells
        if cell.cell_type == "code"
    )
    phrases = read_phrases(SOLUTIONS / "i18n" / "ko" / PHRASES)
    assert phrases
    assert [english for english in phrases if english not in code] == []


def test_a_phrase_is_replaced_and_the_checksum_made_again():
    notebook = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("# Start an MLflow run\nx = 1")
    cell.metadata["nbgrader"] = {"locked": True, "checksum": "old", "grade_id": "c"}
    notebook.cells.append(cell)
    translate_code(notebook, {"# Start an MLflow run": "# MLflow 실행(run) 시작"})
    assert cell.source == "# MLflow 실행(run) 시작\nx = 1"
    assert cell.metadata["nbgrader"]["checksum"] == compute_checksum(cell)


def test_korean_messages_say_실행_not_run():
    """The lab says 실행(run) once, then 실행; the check messages follow it."""
    offenders = [
        text for text in KO.values() if BARE_RUN.search(re.sub(r"runs:/<[^>]*>", "", text))
    ]
    assert offenders == []


def test_the_korean_edition_is_still_the_same_code():
    """Only words changed: the Korean cells hold the English cells' code once the phrases are
    put back."""
    phrases = read_phrases(SOLUTIONS / "i18n" / "ko" / PHRASES)
    back = {korean: english for english, korean in phrases.items()}
    for path in NOTEBOOKS:
        korean = nbformat.read(path, as_version=4)
        english = nbformat.read(COURSE / path.name, as_version=4)
        translate_code(korean, back)
        ko_code = [c.source for c in korean.cells if c.cell_type == "code"]
        en_code = [c.source for c in english.cells if c.cell_type == "code"]
        assert ko_code == en_code, path.name
    assert json.loads((SOLUTIONS / "i18n" / "ko" / PHRASES).read_text(encoding="utf-8"))
