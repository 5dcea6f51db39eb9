"""Learner text made writable and readable: valid Unicode, no control characters.

Any string a learner controls reaches the reports: a folder name, a run or endpoint name
quoted in a check's report, an exception's message. A Python string may hold what no file
can (a lone surrogate such as ``"\\ud800"`` makes UTF-8 encoding fail, and with it the whole
class's CSV) and what a reader's tools misread (control characters that end a row, move the
terminal's cursor, or reorder text on screen). Every report passes such text through
:func:`printable` first; each writer then escapes for its own format (CSV formulas, HTML,
Markdown).
"""

from __future__ import annotations

import re

#: What stands in for a character that cannot be shown.
REPLACEMENT = "\ufffd"

#: Lone surrogates (unencodable), C0 and C1 controls but tab and newline, and the Unicode
#: marks that reorder text on screen (the "Trojan Source" bidirectional controls).
_UNSHOWABLE = re.compile(
    "[\ud800-\udfff\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)


def printable(value: object, *, one_line: bool = False) -> str:
    """``value`` as text any UTF-8 file can hold and any reader shows as it is.

    Unshowable characters become U+FFFD, so a reader still sees that something was there.
    Line ends become ``\\n``; with ``one_line`` every run of white space (line ends too)
    becomes one space, for a table cell or a name.
    """
    text = value if isinstance(value, str) else str(value)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _UNSHOWABLE.sub(REPLACEMENT, text)
    return " ".join(text.split()) if one_line else text
