"""Keep notebook output to what the learner's code prints.

nbgrader scores a test cell 0 when it writes *anything* to stderr, and Spark, py4j, MLflow
and alembic all write warnings and INFO lines there. The lab silences them (they still go
to the log files in the lab home) instead of asking learners to ignore red text.
"""

from __future__ import annotations

import logging
import os
import warnings

NOISY_LOGGERS = ("py4j", "pyspark", "mlflow", "alembic", "urllib3", "databricks", "git")

#: MLflow sends usage telemetry unless told not to; the lab never talks to the internet.
OFFLINE_ENV = {"MLFLOW_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "true"}
#: Read by MLflow when it is imported, here and in processes the lab starts.
QUIET_ENV = {"MLFLOW_LOGGING_LEVEL": "ERROR", "MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR": "false"}


def quiet(*, load_mlflow: bool = True) -> None:
    """Silence library warnings and logs below ERROR; idempotent.

    ``load_mlflow=False`` is for a process that never imports MLflow (the grader's audit of
    a step whose records are files): importing it costs over a second.
    """
    os.environ.update(OFFLINE_ENV)
    os.environ.update(QUIET_ENV)
    if load_mlflow:
        import mlflow  # noqa: F401  (MLflow sets its loggers up on import: let it, lower them)

    for name in NOISY_LOGGERS:
        logging.getLogger(name).setLevel(logging.ERROR)
    for category in (DeprecationWarning, FutureWarning, UserWarning, ResourceWarning):
        warnings.filterwarnings("ignore", category=category)
