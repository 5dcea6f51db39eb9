"""Self-check messages in the learner's language.

A check writes its messages in English, through :func:`t`: ``t("{n} rows", n=rows)``. The
English text is the key of the translation (as gettext does it, without the build step):
:data:`grader.checks.messages_ko.KO` maps it to Korean. The language is the setting
``MLFLOW_LAB_LANG`` (``en`` or ``ko``), read when a check runs, so a learner who switches
it sees the next table in the new language. A test fails when a message has no Korean.
"""

from __future__ import annotations

from grader.config import Settings


def language() -> str:
    """The language self-checks speak now: ``MLFLOW_LAB_LANG`` (checked), ``en`` if unset."""
    return Settings.from_env().lang


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
