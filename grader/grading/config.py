"""nbgrader's configuration for this course, in one place (traitlets, as nbgrader expects)."""

from __future__ import annotations

from pathlib import Path

from traitlets.config import Config

ASSIGNMENT = "mlflow_lab"
COURSE_ID = "mlflow-on-databricks"
CODE_STUB = "# YOUR CODE HERE\nraise NotImplementedError()"

#: A Spark cell (a JVM start, a first fit, a model server) takes far longer than nbgrader's
#: 30 s default; these are the defaults of `grader autograde`, which can override them.
CELL_TIMEOUT = 300
NOTEBOOK_TIMEOUT = 900


def nbgrader_config(root: Path, *, cell_timeout: int = CELL_TIMEOUT) -> Config:
    """Config for an nbgrader course folder at ``root`` (``source/``, ``release/``, ...)."""
    from nbconvert.preprocessors import ClearMetadataPreprocessor
    from nbgrader.preprocessors import (
        AssignLatePenalties,
        CheckCellMetadata,
        IgnorePattern,
        LimitOutput,
        SaveAutoGrades,
    )

    from grader.grading.preprocessors import SurviveDeadKernel

    c = Config()
    c.CourseDirectory.root = str(root)
    c.CourseDirectory.course_id = COURSE_ID
    c.CourseDirectory.db_url = f"sqlite:///{root / 'gradebook.db'}"
    c.ClearSolutions.code_stub = {"python": CODE_STUB}
    c.ClearSolutions.enforce_metadata = True
    c.Autograde.create_student = True
    # nbgrader's chain, with Execute replaced by one that survives a dead kernel.
    c.Autograde.autograde_preprocessors = [
        SurviveDeadKernel,
        IgnorePattern,
        ClearMetadataPreprocessor,
        LimitOutput,
        SaveAutoGrades,
        AssignLatePenalties,
        CheckCellMetadata,
    ]
    c.Execute.timeout = cell_timeout
    c.Execute.startup_timeout = 120
    c.Execute.interrupt_on_timeout = True
    c.Execute.extra_arguments = ["--IPKernelApp.log_level=CRITICAL"]
    # nbgrader zeroes a test cell that wrote anything to stderr. In this course a check
    # fails by raising, never by printing, so stderr (Spark, py4j and MLflow warnings) is
    # dropped before scoring instead of costing points.
    c.IgnorePattern.enabled = True
    c.IgnorePattern.pattern = r"(?s).*"
    return c
