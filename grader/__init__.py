"""The MLflow-on-Databricks course as a package.

``grader.lab`` is what notebooks import (the lab, its local backend, the data set);
``grader.checks`` holds the facts each step's checks assert; ``grader.grading`` is the
instructor's pipeline (release, autograde, reports); ``grader.cli`` the command line.
Importing this package starts nothing.
"""

__all__: list[str] = []
