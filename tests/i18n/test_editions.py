"""The Korean edition: every markdown cell translated, the code identical, and a Korean
submission graded exactly like an English one."""

from __future__ import annotations

import re

import nbformat
import pytest

from grader.exceptions import GraderError
from grader.grading.code_text import PHRASES, read_phrases, translate_code
from grader.grading.editions import (
    TRANSLATED,
    edition_dir,
    problems,
    read_translation,
    translate,
    translation_file,
)
from tests.notebooks.conftest import COURSE, SOLUTIONS

NOTEBOOKS = sorted(p.stem for p in SOLUTIONS.glob("*.ipynb"))
HANGUL = re.compile(r"[\uac00-\ud7a3]")
INLINE_CODE = re.compile(r"`([^`\n]+)`")
PLACEHOLDER = re.compile(r"<[^<>]+>")  # `runs:/<run id>/...`: the words in <> are translated


def code_spans(markdown: str) -> set[str]:
    return {PLACEHOLDER.sub("<>", code) for code in INLINE_CODE.findall(markdown)}


@pytest.mark.parametrize("lang", TRANSLATED)
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_every_markdown_cell_is_translated(name, lang):
    notebook = nbformat.read(SOLUTIONS / f"{name}.ipynb", as_version=4)
    translation = read_translation(translation_file(SOLUTIONS, lang, name))
    assert problems(notebook, translation) == []
    for cell in notebook.cells:
        if cell.cell_type != "markdown":
            continue
        korean = translation[cell.id]
        assert HANGUL.search(korean), f"{name} {cell.id}: no Korean text"
        # The translation says the same: every piece of code the English names, it names.
        missing = code_spans(cell.source) - code_spans(korean)
        assert not missing, f"{name} {cell.id}: the {lang} text lacks {sorted(missing)}"


def test_a_missing_translation_fails_with_the_cell_id():
    notebook = nbformat.read(SOLUTIONS / "03_data_prep.ipynb", as_version=4)
    translation = read_translation(translation_file(SOLUTIONS, "ko", "03_data_prep"))
    del translation["cell-03"]
    translation["gone"] = "사라진 셀"
    assert problems(notebook, translation) == [
        "cell cell-03 has no translation",
        "cell gone is not a markdown cell of the notebook",
    ]
    with pytest.raises(GraderError, match="cell cell-03 has no translation"):
        translate(notebook, translation, "ko")


def test_translation_files_reject_stray_text(tmp_path):
    path = tmp_path / "x.md"
    path.write_text("oops\n<!-- cell: a -->\n가\n", encoding="utf-8")
    with pytest.raises(GraderError, match="before the first"):
        read_translation(path)
    path.write_text("<!-- cell: a -->\n가\n<!-- cell: a -->\n나\n", encoding="utf-8")
    with pytest.raises(GraderError, match="translated twice"):
        read_translation(path)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_korean_edition_differs_only_in_markdown(name):
    english = nbformat.read(COURSE / f"{name}.ipynb", as_version=4)
    korean = nbformat.read(edition_dir(COURSE, "ko") / f"{name}.ipynb", as_version=4)
    assert korean.metadata["mlflow_lab"]["language"] == "ko"
    assert [c.id for c in korean.cells] == [c.id for c in english.cells]
    # Code cells differ only in their phrases (comments, printed labels: grader/grading/code_text.py).
    phrases = read_phrases(SOLUTIONS / "i18n" / "ko" / PHRASES)
    translate_code(korean, {ko: en for en, ko in phrases.items()})
    for en, ko in zip(english.cells, korean.cells, strict=True):
        if en.cell_type == "markdown":
            assert HANGUL.search(ko.source) and not HANGUL.search(en.source)
            assert ko.metadata == en.metadata  # no nbgrader checksum on markdown
        else:
            assert ko == en, f"{name} {en.id}: code cells must be identical"


def test_markdown_is_not_an_nbgrader_cell():
    """nbgrader checksums and overwrites only its own (locked, graded) cells: markdown in
    another language can never count as a changed cell."""
    for path in SOLUTIONS.glob("*.ipynb"):
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "markdown":
                assert "nbgrader" not in cell.metadata, f"{path.name} {cell.id}"


def korean(notebook, name: str):
    """A learner's notebook as the Korean edition's learner has it: same code, Korean text."""
    edition = nbformat.read(edition_dir(COURSE, "ko") / f"{name}.ipynb", as_version=4)
    text = {c.id: c.source for c in edition.cells if c.cell_type == "markdown"}
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            cell.source = text[cell.id]
    notebook.metadata["mlflow_lab"] = edition.metadata["mlflow_lab"]
    return notebook


@pytest.mark.slow
def test_a_korean_submission_grades_like_an_english_one(tmp_path):
    """Graded by the real pipeline (nbgrader's OverwriteCells and checksums included): the
    Korean and the English learner get the same tests and the same points."""
    import csv

    from grader.grading.autograde import autograde
    from tests.grading.make_submissions import learner_notebook, with_cell, write_student

    name = "01_provision"
    subs = tmp_path / "subs"
    write_student(subs, "en", {name: learner_notebook(name)})
    write_student(subs, "ko", {name: korean(learner_notebook(name), name)})
    fault = "w = lab.workspace_client()\nme = None"
    write_student(subs, "en-mistake", {name: with_cell(name, "connect", fault)})
    write_student(
        subs,
        "ko-mistake",
        {name: korean(with_cell(name, "connect", fault), name)},
    )
    autograde(submissions_dir=subs, out=tmp_path / "out", workers=2)
    with open(tmp_path / "out" / "tests.csv", newline="", encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["notebook"] == name]
    scores = {}
    for row in rows:
        scores.setdefault(row["student"], {})[row["test"]] = float(row["points"])
    assert scores["ko"] == scores["en"] == {"check_connect": 1.0, "check_data": 2.0}
    assert scores["ko-mistake"] == scores["en-mistake"] == {"check_connect": 0.0, "check_data": 2.0}
