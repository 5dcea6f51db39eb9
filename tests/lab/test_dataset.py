"""penguins.csv is derived from palmerpenguins; it must be the lab's file, byte for byte."""

from __future__ import annotations

import pytest

from grader.lab.dataset import (
    COLUMNS,
    LAB_PATH,
    PENGUINS_SHA256,
    SPECIES,
    _number,
    penguins_csv,
    sha256,
)


@pytest.fixture(scope="module")
def csv_bytes() -> bytes:
    return penguins_csv()


@pytest.fixture(scope="module")
def rows(csv_bytes: bytes) -> list[list[str]]:
    return [line.split(",") for line in csv_bytes.decode("ascii").splitlines()]


def test_sha256_is_the_labs_file(csv_bytes: bytes) -> None:
    assert sha256(csv_bytes) == PENGUINS_SHA256


def test_header_and_344_data_rows(rows: list[list[str]]) -> None:
    assert tuple(rows[0]) == COLUMNS
    assert rows[0] == [
        "Island",
        "CulmenLength",
        "CulmenDepth",
        "FlipperLength",
        "BodyMass",
        "Species",
    ]
    assert len(rows) == 1 + 344
    assert all(len(r) == len(COLUMNS) for r in rows)


def test_lf_line_ends_and_final_newline(csv_bytes: bytes) -> None:
    assert b"\r" not in csv_bytes
    assert csv_bytes.endswith(b"\n") and not csv_bytes.endswith(b"\n\n")
    assert csv_bytes.count(b"\n") == 345


def test_exactly_two_rows_without_measurements(rows: list[list[str]]) -> None:
    empty = [r for r in rows[1:] if r[1:5] == ["", "", "", ""]]
    assert len(empty) == 2
    partly = [r for r in rows[1:] if "" in r[1:5] and r[1:5] != ["", "", "", ""]]
    assert partly == []
    assert all(r[0] and r[5] for r in rows[1:])  # island and species always there


def test_species_are_labels_and_islands_known(rows: list[list[str]]) -> None:
    labels = {r[5] for r in rows[1:]}
    assert labels == {str(i) for i in range(len(SPECIES))}
    assert {r[0] for r in rows[1:]} == {"Biscoe", "Dream", "Torgersen"}


def test_number_formatting() -> None:
    assert _number(float("nan"), integer=False) == ""
    assert _number(None, integer=True) == ""
    assert _number(181.0, integer=True) == "181"
    assert _number(39.0, integer=False) == "39"
    assert _number(39.1, integer=False) == "39.1"


def test_lab_path() -> None:
    assert LAB_PATH == "/mlflow_lab/penguins.csv"
