"""Python start-up on the fake cluster: a download of run artifacts is a copy, as on Databricks.

The fake keeps MLflow's run artifacts on local disk (``file://``), where MLflow hands out a
local artifact's own folder as its "download". MLflow's Unity Catalog registration deletes
the folder it downloaded once it has uploaded the files, which here would delete the run's
logged model. On Databricks run artifacts live in cloud storage and a download is always a
fresh copy; this makes the fake's local storage behave the same. The patch is applied when
MLflow's local artifact module is first imported, so processes that never use it pay nothing.
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import sys
import tempfile

TARGET = "mlflow.store.artifact.local_artifact_repo"


def copying(download_artifacts):
    """``LocalArtifactRepository.download_artifacts`` that copies into a new temporary folder
    when no destination is given, instead of returning the stored folder itself."""

    def download_artifacts_copy(self, artifact_path, dst_path=None):
        dst_path = dst_path or tempfile.mkdtemp(prefix="mlflow-download-")
        return download_artifacts(self, artifact_path, dst_path)

    download_artifacts_copy.copies = True
    return download_artifacts_copy


class _PatchOnImport(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name != TARGET:
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None:
            return spec
        exec_module = spec.loader.exec_module

        def exec_and_patch(module):
            exec_module(module)
            repo = module.LocalArtifactRepository
            repo.download_artifacts = copying(repo.download_artifacts)

        spec.loader.exec_module = exec_and_patch
        return spec


sys.meta_path.insert(0, _PatchOnImport())
