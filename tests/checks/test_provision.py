"""Step 01's checks on a real (local) lab: the workspace, the user and the data file."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from grader.checks.registry import run_check
from grader.config import Settings
from grader.exceptions import CheckFailed
from grader.lab import Lab, reference
from grader.lab.dataset import LAB_PATH, penguins_csv


@pytest.fixture
def lab(lab_home: Path) -> Lab:
    return Lab(Settings(home=str(lab_home), user="alice@example.com"))


def test_data_fails_on_a_fresh_home(lab: Lab) -> None:
    with pytest.raises(CheckFailed) as info:
        run_check(lab, "provision.data", namespace={}, show=False)
    text = str(info.value)
    assert f"FAIL  {LAB_PATH} exists" in text and "found:    nothing" in text


def test_data_passes_after_provisioning(lab: Lab) -> None:
    reference.provision_data(lab.workspace)
    report = run_check(lab, "provision.data", namespace={}, show=False)
    assert report.passed and len(report.results) == 2
    assert reference.data_is_intact(lab.workspace)


def test_provisioning_replaces_what_was_there(lab: Lab) -> None:
    w = lab.workspace
    w.dbfs.upload("/mlflow_lab/stale.txt", io.BytesIO(b"old"))
    reference.provision_data(w)
    assert [f.path for f in w.dbfs.list("/mlflow_lab")] == [LAB_PATH]


def test_data_fails_on_an_edited_file(lab: Lab) -> None:
    edited = penguins_csv().replace(b"\n", b"\r\n")
    lab.workspace.dbfs.upload(LAB_PATH, io.BytesIO(edited))
    assert not reference.data_is_intact(lab.workspace)
    with pytest.raises(CheckFailed) as info:
        run_check(lab, "provision.data", namespace={}, show=False)
    text = str(info.value)
    assert f"PASS  {LAB_PATH} exists" in text
    assert "FAIL  the file is the lab's penguins.csv, byte for byte" in text
    # Sizes and rows a learner can compare, and where it differs; never two hashes.
    assert f"expected: {len(penguins_csv()):,} bytes, 344 rows" in text
    assert f"found:    {len(edited):,} bytes, 344 rows; line 1 ends in CR LF" in text
    assert "sha256" not in text


def test_a_truncated_file_says_how_much_is_missing(lab: Lab) -> None:
    truncated = b"\n".join(penguins_csv().split(b"\n")[:101]) + b"\n"
    lab.workspace.dbfs.upload(LAB_PATH, io.BytesIO(truncated))
    with pytest.raises(CheckFailed) as info:
        run_check(lab, "provision.data", namespace={}, show=False)
    text = str(info.value)
    assert f"found:    {len(truncated):,} bytes, 100 rows; it ends after line 101\n" in text
    assert "sha256" not in text


def test_workspace_check(lab: Lab) -> None:
    w = lab.workspace_client()
    report = run_check(
        lab, "provision.workspace", namespace={"w": w, "me": w.current_user.me()}, show=False
    )
    assert report.passed and len(report.results) == 2


def test_workspace_check_names_missing_and_wrong(lab: Lab) -> None:
    with pytest.raises(CheckFailed) as info:
        run_check(lab, "provision.workspace", namespace={"w": 1, "me": "bob"}, show=False)
    text = str(info.value)
    assert "FAIL  the workspace client answers" in text
    assert "expected: user_name 'alice@example.com'" in text
