"""Every name a learner's lab creates in a workspace, unique per learner and stable.

A class can share one workspace: each learner's cluster, folders, experiment, data, model
and endpoint carry a slug made from their user name, so two learners never collide and a
re-run of the course finds the same learner's resources again (nothing random, no dates).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from grader.lab.steps import ENDPOINT_NAME, MODEL_NAME

#: Unity Catalog names are lower case identifiers: the lab's model under its UC name.
UC_MODEL = "penguin_predictor"
_ENDPOINT_MAX = 63  # Databricks' limit on a serving endpoint name


def learner_slug(user_name: str) -> str:
    """``jane.doe@example.com`` → ``jane-doe-3f2a91``: readable, and unique because of the
    hash of the whole user name (two ``jane.doe`` at different domains differ)."""
    local = user_name.split("@", 1)[0].lower()
    readable = re.sub(r"[^a-z0-9]+", "-", local).strip("-")[:24] or "learner"
    digest = hashlib.sha256(user_name.strip().lower().encode()).hexdigest()[:6]
    return f"{readable}-{digest}"


def under_root(root: str, lab_path: str) -> str:
    """The lab path ``/mlflow_lab/...`` (or ``dbfs:/...``) under the learner's ``root``; a
    path already under it is kept. ``..`` is refused, so no path leaves the root."""
    text = lab_path.removeprefix("dbfs:")
    parts = [p for p in text.split("/") if p]
    if ".." in parts:
        raise ValueError(f"{lab_path!r}: '..' is not allowed in a lab path.")
    if text.startswith(root):
        return "/" + "/".join(parts)
    return "/".join([root, *parts])


@dataclass(frozen=True)
class LearnerNames:
    """What one learner's lab is called in the workspace."""

    user_name: str
    display_name: str

    @property
    def slug(self) -> str:
        return learner_slug(self.user_name)

    @property
    def cluster(self) -> str:
        """The lab's default cluster name (the workspace UI's "<name>'s cluster")."""
        return f"{self.display_name or self.user_name}'s cluster"

    @property
    def experiment(self) -> str:
        return f"/Users/{self.user_name}/mlflow_lab"

    @property
    def notebooks_folder(self) -> str:
        """Where the course's notebooks are imported to run on the cluster."""
        return f"/Users/{self.user_name}/mlflow_lab_notebooks"

    @property
    def dbfs_root(self) -> str:
        """The learner's part of DBFS: the lab's ``/mlflow_lab/...`` paths live under it."""
        return f"/FileStore/mlflow_lab/{self.slug}"

    def dbfs_path(self, lab_path: str) -> str:
        """``/mlflow_lab/penguins.csv`` → ``/FileStore/mlflow_lab/<slug>/mlflow_lab/penguins.csv``
        (also accepts ``dbfs:/...``; refuses ``..``)."""
        return under_root(self.dbfs_root, lab_path)

    @property
    def endpoint(self) -> str:
        return f"{ENDPOINT_NAME}-{self.slug}"[:_ENDPOINT_MAX]

    @property
    def workspace_model(self) -> str:
        """The model's name in the workspace registry (shared by the whole workspace)."""
        return f"{MODEL_NAME} {self.slug}"

    @property
    def schema(self) -> str:
        """The learner's Unity Catalog schema (holds the model and the data volume)."""
        return "mlflow_lab_" + self.slug.replace("-", "_")

    def uc_model(self, catalog: str) -> str:
        """``<catalog>.<schema>.penguin_predictor``: Unity Catalog's three-level name."""
        return f"{catalog}.{self.schema}.{UC_MODEL}"
