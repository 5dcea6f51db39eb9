"""Per-learner names: unique per learner, stable across runs, valid where they are used."""

from __future__ import annotations

import re

import pytest

from grader.lab.databricks.naming import LearnerNames, learner_slug

JANE = LearnerNames("jane.doe@example.com", "Jane Doe")


def test_slug_is_stable_readable_and_tells_learners_apart() -> None:
    assert learner_slug("jane.doe@example.com") == learner_slug("Jane.Doe@example.com ")
    assert learner_slug("jane.doe@example.com").startswith("jane-doe-")
    assert learner_slug("jane.doe@example.com") != learner_slug("jane.doe@example.org")


def test_every_resource_name_carries_the_learner() -> None:
    other = LearnerNames("li.wei@example.com", "Li Wei")
    for name in ("cluster", "experiment", "notebooks_folder", "dbfs_root", "endpoint", "schema"):
        assert getattr(JANE, name) != getattr(other, name), name
    assert JANE.cluster == "Jane Doe's cluster"  # the workspace UI's default, as in the lab
    assert JANE.experiment == "/Users/jane.doe@example.com/mlflow_lab"


def test_endpoint_name_follows_databricks_rule() -> None:
    long = LearnerNames("a" * 200 + "@example.com", "A")
    for names in (JANE, long):
        assert re.fullmatch(r"[A-Za-z0-9_-]{1,63}", names.endpoint)


def test_unity_catalog_model_is_three_level_and_lower_case() -> None:
    name = JANE.uc_model("main")
    assert re.fullmatch(r"main\.mlflow_lab_jane_doe_[0-9a-f]{6}\.penguin_predictor", name)


def test_lab_paths_live_under_the_learners_dbfs_folder() -> None:
    root = JANE.dbfs_root
    assert JANE.dbfs_path("/mlflow_lab/penguins.csv") == f"{root}/mlflow_lab/penguins.csv"
    assert JANE.dbfs_path("dbfs:/mlflow_lab") == f"{root}/mlflow_lab"
    assert JANE.dbfs_path(f"{root}/model") == f"{root}/model"  # already scoped: unchanged
    with pytest.raises(ValueError, match=r"'\.\.'"):
        JANE.dbfs_path("/mlflow_lab/../../other-learner")
