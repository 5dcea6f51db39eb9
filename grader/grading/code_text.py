"""A translated edition's code text: its comments and printed strings in its language.

The code of a cell exists once, in the solution notebooks; only the words a learner reads in
it (comments, the labels a ``print`` shows) change with the edition. They live beside the
markdown translations, ``solutions/mlflow_lab/i18n/<lang>/code.json``: English phrase →
its translation, each replaced wherever it occurs in a code cell. A phrase is a whole
comment or a whole string literal with its quotes, so code never changes meaning.

A replaced cell that nbgrader checksums (locked and test cells) gets its checksum again, so
Validate does not call the edition's own cells changed. Grading restores those cells from
the English source (grader/grading/restore.py): the edition's words never reach a grade.
"""

from __future__ import annotations

import json
from pathlib import Path

#: The file of an edition's code phrases, under ``solutions/mlflow_lab/i18n/<lang>/``.
PHRASES = "code.json"
#: nbgrader's marker of an answer cell stays as nbgrader writes it.
KEPT = ("# YOUR CODE HERE",)


def read_phrases(path: Path) -> dict[str, str]:
    """English phrase → translation; no file means no phrases."""
    if not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def translate_code(notebook, phrases: dict[str, str]):
    """``notebook`` (changed in place and returned) with ``phrases`` replaced in its code
    cells, longest first, and the checksums of the cells it changed made again."""
    from nbgrader.utils import compute_checksum

    ordered = sorted(phrases.items(), key=lambda pair: -len(pair[0]))
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        source = cell.source
        for english, translated in ordered:
            source = source.replace(english, translated)
        if source != cell.source:
            cell.source = source
            meta = cell.metadata.get("nbgrader", {})
            if "checksum" in meta:
                meta["checksum"] = compute_checksum(cell)
    return notebook


def edition_title(notebook, label: str) -> str:
    """The notebook's title in its edition: its first heading and ``label`` (``한국어``),
    kept in ``metadata.title`` so a tab or a list can tell the editions apart."""
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    notebook.metadata["title"] = f"{line[2:].strip()} ({label})"
                    return notebook.metadata["title"]
    notebook.metadata["title"] = label
    return label


#: How an edition names itself in a notebook's title.
EDITION_LABELS = {"ko": "한국어판"}
