"""Self-check messages in the learner's language.

A check writes its messages in English, through :func:`t`: ``t("{n} rows", n=rows)``. The
English text is the key of the translation (as gettext does it, without the build step):
:data:`grader.checks.messages_ko.KO` maps it to Korean. The language is the setting
``MLFLOW_LAB_LANG`` (``en`` or ``ko``) or else the notebook's edition, read when a check
runs, so a learner who switches it sees the next table in the new language. A test fails when a message has no Korean.
"""

from __future__ import annotations

import os

from grader.config import Settings
from grader.editions import edition_language


def language() -> str:
    """The language self-checks speak now: ``MLFLOW_LAB_LANG`` when set; otherwise the
    language of the edition the notebook belongs to, so ``course/ko/`` answers in Korean in
    any JupyterLab. JupyterLab tells the kernel its notebook's path (``JPY_SESSION_NAME``);
    nbgrader's Validate and papermill run the kernel in the notebook's folder."""
    if os.environ.get("MLFLOW_LAB_LANG", "").strip():
        return Settings.from_env().lang
    notebook = os.environ.get("JPY_SESSION_NAME") or os.path.join(os.getcwd(), "notebook.ipynb")
    return edition_language(notebook) or Settings.from_env().lang


def catalog(lang: str) -> dict[str, str]:
    """English message → its text in ``lang`` (empty for English)."""
    if lang == "ko":
        from grader.checks.messages_ko import KO

        return KO
    return {}


def t(message: str, /, **values: object) -> str:
    """``message`` in the learner's language, with ``values`` filled in (``str.format``).

    A message without a translation stays English rather than failing a learner's check.
    """
    text = catalog(language()).get(message, message)
    return text.format(**values) if values else text
