"""The installed package finds the course's notebooks from the folder it is run in."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader import paths
from grader.exceptions import GraderError

REPO = Path(__file__).resolve().parents[1]


def test_found_from_a_subfolder_of_the_checkout():
    assert paths.course_repo(REPO / "course" / "mlflow_lab") == REPO


def test_outside_a_checkout_the_package_folder_is_the_fallback(tmp_path):
    assert paths.course_repo(tmp_path) == REPO  # a development checkout


def test_no_checkout_anywhere_says_where_to_run(tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "__file__", str(tmp_path / "site-packages" / "grader" / "paths.py"))
    with pytest.raises(GraderError, match="run this from the course's checkout"):
        paths.course_repo(tmp_path)
