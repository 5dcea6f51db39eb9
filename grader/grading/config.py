"""nbgrader's configuration for this course, in one place (traitlets, as nbgrader expects)."""

from __future__ import annotations

from pathlib import Path

from traitlets.config import Config

ASSIGNMENT = "mlflow_lab"
COURSE_ID = "mlflow-on-databricks"
CODE_STUB = "# YOUR CODE HERE\nraise NotImplementedError()"


def nbgrader_config(root: Path) -> Config:
    """Config for an nbgrader course folder at ``root`` (``source/``, ``release/``, ...)."""
    c = Config()
    c.CourseDirectory.root = str(root)
    c.CourseDirectory.course_id = COURSE_ID
    c.CourseDirectory.db_url = f"sqlite:///{root / 'gradebook.db'}"
    c.ClearSolutions.code_stub = {"python": CODE_STUB}
    c.ClearSolutions.enforce_metadata = True
    return c
