"""The lab's ``penguins.csv``, made from the ``palmerpenguins`` package instead of downloaded.

The lab fetches the file with ``wget``; our machines have no network beyond the package
registries, and the file is derivable byte for byte from the package, so we derive it and
prove it with the same sha256 the lab's file has.
"""

from __future__ import annotations

import hashlib
import math

#: sha256 of the lab's penguins.csv (344 rows; 2 with no measurements).
PENGUINS_SHA256 = "cd482e6a864dc8796271948c031eeee8987146dfaf4b1a40451fab967b2a334a"

COLUMNS = ("Island", "CulmenLength", "CulmenDepth", "FlipperLength", "BodyMass", "Species")
SPECIES = ("Adelie", "Gentoo", "Chinstrap")  # label 0, 1, 2 in the lab's file
FEATURES = COLUMNS[:-1]
LAB_PATH = "/mlflow_lab/penguins.csv"


def _number(value: float, *, integer: bool) -> str:
    """Write a measurement as the lab's file does: empty for NaN, no trailing '.0'."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if integer:
        return str(int(value))
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def penguins_csv() -> bytes:
    """The lab's penguins.csv, byte for byte (LF line ends)."""
    from palmerpenguins import load_penguins

    frame = load_penguins()
    lines = [",".join(COLUMNS)]
    for row in frame.itertuples(index=False):
        lines.append(
            ",".join(
                [
                    row.island,
                    _number(row.bill_length_mm, integer=False),
                    _number(row.bill_depth_mm, integer=False),
                    _number(row.flipper_length_mm, integer=True),
                    _number(row.body_mass_g, integer=True),
                    str(SPECIES.index(row.species)),
                ]
            )
        )
    return ("\n".join(lines) + "\n").encode("ascii")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
