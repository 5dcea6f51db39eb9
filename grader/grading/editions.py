"""The course in several languages from one source: the notebooks' code once, their
markdown in each language.

English is written in the solution notebooks themselves. Another language's markdown lives
beside them, one file per notebook, ``solutions/mlflow_lab/i18n/<lang>/<notebook>.md``, a
section per markdown cell, keyed by the cell's id::

    <!-- cell: cell-03 -->
    ## 연습 3.1 · 읽고, 정리하고, 타입을 지정하고, 샘플을 보고, 분할하기

A translator edits plain Markdown next to the English and never touches a notebook, so code
cells, checks, grade ids and points exist exactly once. ``grader release`` writes each
edition to its own folder (:func:`edition_dir`): ``course/mlflow_lab/`` in English,
``course/ko/mlflow_lab/`` in Korean. Markdown cells are not nbgrader cells (no checksum),
so a Korean submission grades exactly like an English one. Which edition a notebook is in,
at run time, is the checks' to say (:func:`grader.checks.i18n.notebook_language`).
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

from grader.checks.i18n import TRANSLATED
from grader.exceptions import GraderError

MARKER = re.compile(r"^<!-- cell: (?P<id>[A-Za-z0-9_-]+) -->[ \t]*\n", re.MULTILINE)


def translation_file(solutions: Path, lang: str, notebook: str) -> Path:
    """Where ``notebook``'s (a stem, e.g. ``03_data_prep``) markdown in ``lang`` lives."""
    return solutions / "i18n" / lang / f"{notebook}.md"


def read_translation(path: Path) -> dict[str, str]:
    """Cell id → its markdown, from a translation file."""
    text = path.read_text(encoding="utf-8")
    parts = MARKER.split(text)
    if parts[0].strip():
        raise GraderError(f"{path}: text before the first '<!-- cell: ID -->' line")
    cells = {}
    for cell_id, body in zip(parts[1::2], parts[2::2], strict=True):
        if cell_id in cells:
            raise GraderError(f"{path}: cell {cell_id} is translated twice")
        cells[cell_id] = body.strip("\n")
    return cells


def markdown_ids(notebook) -> list[str]:
    return [c.id for c in notebook.cells if c.cell_type == "markdown"]


def problems(notebook, translation: dict[str, str]) -> list[str]:
    """What keeps ``translation`` from covering ``notebook``: missing, empty or unknown cells."""
    ids = markdown_ids(notebook)
    found = [f"cell {i} has no translation" for i in ids if i not in translation]
    found += [f"cell {i} is empty" for i in ids if i in translation and not translation[i].strip()]
    found += [
        f"cell {i} is not a markdown cell of the notebook" for i in translation if i not in ids
    ]
    return found


def translate(notebook, translation: dict[str, str], lang: str):
    """A copy of ``notebook`` with its markdown in ``lang``; code cells untouched."""
    if found := problems(notebook, translation):
        raise GraderError(f"The {lang} edition is incomplete: " + "; ".join(found))
    edition = copy.deepcopy(notebook)
    for cell in edition.cells:
        if cell.cell_type == "markdown":
            cell.source = translation[cell.id]
    edition.metadata.setdefault("mlflow_lab", {})["language"] = lang
    return edition


def edition_dir(course: Path, lang: str) -> Path:
    """The folder of the ``lang`` edition of ``course`` (``course/mlflow_lab``): the English
    one is ``course`` itself, the others ``course/<lang>/mlflow_lab``."""
    return course if lang == "en" else course.parent / lang / course.name


def translate_all(released: Path, solutions: Path) -> dict[str, dict[str, object]]:
    """Language → notebook name → its edition, for every released notebook and every
    language of :data:`TRANSLATED`. Raises before anything is written if one is incomplete."""
    import nbformat

    from grader.grading.code_text import (
        EDITION_LABELS,
        PHRASES,
        edition_title,
        read_phrases,
        translate_code,
    )

    editions: dict[str, dict[str, object]] = {}
    for lang in TRANSLATED:
        editions[lang] = {}
        for path in sorted(released.glob("*.ipynb")):
            notebook = nbformat.read(path, as_version=4)
            source = translation_file(solutions, lang, path.stem)
            if not source.exists():
                raise GraderError(
                    f"No {lang} translation of {path.stem}: write {source}, a "
                    "'<!-- cell: ID -->' section per markdown cell of the notebook."
                )
            translation = read_translation(source)
            edition = translate(notebook, translation, lang)
            # The code's comments and printed strings, and a title naming the edition.
            translate_code(edition, read_phrases(source.parent / PHRASES))
            edition_title(edition, EDITION_LABELS[lang])
            editions[lang][path.name] = edition
    return editions


def write_editions(editions: dict[str, dict[str, object]], course: Path) -> list[Path]:
    """Write what :func:`translate_all` made into each language's folder."""
    import nbformat

    written = []
    for lang, notebooks in editions.items():
        target = edition_dir(course, lang)
        target.mkdir(parents=True, exist_ok=True)
        for old in target.glob("*.ipynb"):
            old.unlink()
        for name, notebook in notebooks.items():
            nbformat.write(notebook, target / name)
            written.append(target / name)
    return written
