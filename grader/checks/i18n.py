"""Self-check messages in the learner's language.

A check writes its messages in English, through :func:`t`: ``t("{n} rows", n=rows)``. The
English text is the key of the translation (as gettext does it, without the build step):
:data:`grader.checks.messages_ko.KO` maps it to Korean. The language is read when a check
runs (:func:`language`): the notebook's edition from its metadata, else the setting
``MLFLOW_LAB_LANG``, else the edition's folder. A test fails when a message has no Korean.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

from grader.config import Settings
from grader.lab.steps import ASSIGNMENT

#: Languages with their own edition, besides English (the source's own language).
TRANSLATED = ("ko",)


def notebook_path() -> str | None:
    """The notebook this kernel runs: JupyterLab says so (``JPY_SESSION_NAME``); nbgrader
    and papermill start the kernel in the notebook's folder, where it is ``<step>.ipynb``."""
    if session := os.environ.get("JPY_SESSION_NAME"):
        return session
    from grader.lab import steps

    step = steps.current()
    return str(Path.cwd() / f"{step}.ipynb") if step else None


def language() -> str:
    """The language self-checks speak now: the notebook's edition (``metadata.mlflow_lab.
    language``, which the release writes into the Korean notebooks, wherever the notebook
    was moved: a graded hand-in sits in ``submitted/<student>/``); else ``MLFLOW_LAB_LANG``;
    else the edition's folder (``course/ko/``); else English."""
    notebook = notebook_path()
    if notebook and (lang := notebook_language(notebook)):
        return lang
    if os.environ.get("MLFLOW_LAB_LANG", "").strip():
        return Settings.from_env().lang
    where = notebook or os.path.join(os.getcwd(), "notebook.ipynb")
    return edition_language(where) or Settings.from_env().lang


def edition_language(notebook_path: str) -> str | None:
    """The language of the edition a notebook is in, from its path: ``ko`` for
    ``.../ko/mlflow_lab/03_data_prep.ipynb``; None for the English edition or elsewhere."""
    parts = PurePosixPath(notebook_path.replace("\\", "/")).parts
    if len(parts) >= 3 and parts[-2] == ASSIGNMENT and parts[-3] in TRANSLATED:
        return parts[-3]
    return None


def notebook_language(notebook) -> str | None:
    """The edition a notebook says it is in: ``metadata.mlflow_lab.language``, which
    :func:`translate` writes into every translated notebook. ``notebook`` is a notebook node
    or a path; None when it names no known language (or cannot be read)."""
    from grader.config import LANGUAGES

    if not hasattr(notebook, "metadata"):
        notebook = _read_metadata(Path(notebook))
    lang = (getattr(notebook, "metadata", None) or {}).get("mlflow_lab", {}).get("language")
    return lang if lang in LANGUAGES else None


def _read_metadata(path: Path):
    """The notebook's metadata only (as a small object), cached while the file is unchanged:
    self-checks ask for the language once per message."""
    try:
        stat = path.stat()
    except OSError:
        return None
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    if key not in _METADATA:
        import json
        from types import SimpleNamespace

        try:
            meta = json.loads(path.read_text(encoding="utf-8")).get("metadata", {})
        except (OSError, ValueError, AttributeError):
            meta = {}
        _METADATA.clear()  # one notebook at a time: the kernel's own
        _METADATA[key] = SimpleNamespace(metadata=meta if isinstance(meta, dict) else {})
    return _METADATA[key]


_METADATA: dict[tuple[str, int, int], object] = {}


def catalog(lang: str) -> dict[str, str]:
    """English message → its text in ``lang`` (empty for English)."""
    if lang == "ko":
        from grader.checks.messages_ko import KO

        return KO
    return {}


def translate(message: str, lang: str, /, **values: object) -> str:
    """``message`` in ``lang``, with ``values`` filled in (``str.format``).

    A message without a translation stays English rather than failing a learner's check.
    """
    text = catalog(lang).get(message, message)
    return text.format(**values) if values else text


def t(message: str, /, **values: object) -> str:
    """``message`` in the learner's language (:func:`language`), with ``values`` filled in."""
    return translate(message, language(), **values)
