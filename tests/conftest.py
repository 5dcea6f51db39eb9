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


@pytest.fixture(scope="session", autouse=True)
def _one_cache_per_session(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The grader's user cache (kept starting states) in the session's temporary folder:
    every batch of the session after the first copies its states instead of training, and
    no test reads what an earlier session or the machine's user left there."""
    cache = tmp_path_factory.mktemp("user-cache")
    os.environ["XDG_CACHE_HOME"] = str(cache)
    return cache


@pytest.fixture(autouse=True)
def lab_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private, not yet created lab home for each test, so no test sees another's state."""
    home = tmp_path / "lab-home"
    monkeypatch.setenv(LAB_HOME_VAR, str(home))
    return home


@pytest.fixture(autouse=True)
def _restore_mlflow_and_env(monkeypatch: pytest.MonkeyPatch):
    """Lab code points MLflow (a process-wide setting) and os.environ at a lab home; put
    both back after each test so no test sees another's store."""
    import sys

    for name in ("MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI"):
        monkeypatch.delenv(name, raising=False)
    saved_env = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved_env)
    if "mlflow" in sys.modules:
        # MLflow has no public "unset": clear the two module globals set_*_uri wrote.
        from mlflow.tracking._model_registry import utils as registry_utils
        from mlflow.tracking._tracking_service import utils as tracking_utils

        tracking_utils._tracking_uri = None
        registry_utils._registry_uri = None
