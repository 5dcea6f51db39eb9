"""Shared test set-up: stop early without Java, and give every test its own lab home."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest

from grader.config import Settings
from grader.exceptions import JavaNotFoundError
from grader.lab.java import require_java
from grader.lab.quiet import OFFLINE_ENV

os.environ.update(OFFLINE_ENV)  # before any test imports MLflow: no telemetry from tests

LAB_HOME_VAR = next(f.metadata["env"] for f in dataclasses.fields(Settings) if f.name == "home")


def pytest_sessionstart(session: pytest.Session) -> None:
    """Without a usable Java, Spark cannot start: say how to install one, then stop (exit 3)."""
    try:
        require_java()
    except JavaNotFoundError as exc:
        pytest.exit(str(exc), returncode=3)


@pytest.fixture(autouse=True)
def lab_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private, not yet created lab home for each test, so no test sees another's state."""
    home = tmp_path / "lab-home"
    monkeypatch.setenv(LAB_HOME_VAR, str(home))
    return home
