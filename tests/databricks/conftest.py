"""The fake Databricks workspace as a fixture: served on loopback, the SDK pointed at it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.databricks.fake import FakeDatabricks
from tests.databricks.fake.compute import CLUSTER_SITE


@pytest.fixture
def fake_databricks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A fresh fake workspace; ``WorkspaceClient()`` and MLflow's ``databricks`` URI reach it
    through ``DATABRICKS_HOST``/``DATABRICKS_TOKEN``, and nothing else of the SDK's chain."""
    fake = FakeDatabricks(tmp_path / "workspace").start()
    for name in ("DATABRICKS_CONFIG_PROFILE", "DATABRICKS_CLIENT_ID", "DATABRICKS_CLIENT_SECRET",
                 "DATABRICKS_AUTH_TYPE", "DATABRICKS_RUNTIME_VERSION", "ARM_CLIENT_ID"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABRICKS_CONFIG_FILE", str(tmp_path / "no-databrickscfg"))
    monkeypatch.setenv("DATABRICKS_HOST", fake.url)
    monkeypatch.setenv("DATABRICKS_TOKEN", fake.token)
    monkeypatch.setenv("MLFLOW_LAB_BACKEND", "databricks")
    # A kernel started here (steps 01, 02, 06) reads the fake's run artifacts as local files:
    # its downloads are copies too, as from a workspace's cloud storage (see cluster_site).
    paths = [str(CLUSTER_SITE), *filter(None, [os.environ.get("PYTHONPATH")])]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(paths))
    yield fake
    fake.stop()
