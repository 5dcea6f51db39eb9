"""nbgrader's configuration for this course, in one place (traitlets, as nbgrader expects)."""

from __future__ import annotations

from pathlib import Path

from traitlets import Float, Int, Unicode, default
from traitlets.config import Config, Configurable

# The course's names live with its steps; grading's modules import them from here too.
from grader.lab.steps import ASSIGNMENT as ASSIGNMENT
from grader.lab.steps import COURSE_ID

CODE_STUB = "# YOUR CODE HERE\nraise NotImplementedError()"

#: A Spark cell (a JVM start, a first fit, a model server) takes far longer than nbgrader's
#: 30 s default; these are the defaults of `grader autograde`, which can override them.
CELL_TIMEOUT = 300
NOTEBOOK_TIMEOUT = 900


GIB = 1024**3


class SandboxLimits(Configurable):
    """What one unit's sandbox may use, as nbgrader-style traitlets config.

    Set them in a config like any nbgrader option (``c.SandboxLimits.memory_limit = ...``)
    or with ``grader autograde --memory-limit/--process-limit``. The defaults fit step 06,
    the largest: a kernel with Spark plus an endpoint with Spark of its own.
    """

    memory_limit = Int(
        6 * GIB, help="Bytes of memory a unit's kernel and its children may use together."
    ).tag(config=True)
    process_limit = Int(
        2048, help="Processes and threads a unit may have at once (step 06 peaks near 520)."
    ).tag(config=True)
    cpu_limit = Float(
        0.0, help="Processors a unit may use at most (0: no cap; units always share fairly)."
    ).tag(config=True)
    file_size_limit = Int(2 * GIB, help="Largest file a unit's kernel may write, in bytes.").tag(
        config=True
    )
    uid = Int(
        64055, help="The unprivileged uid (and gid) kernels run as; no account is needed."
    ).tag(config=True)


class StartingStates(Configurable):
    """Where the steps' starting states are kept between batches
    (:mod:`grader.grading.starting_states`)."""

    cache = Unicode(
        help="Folder of starting states kept for later batches ('' keeps none: every batch "
        "makes its own). Only the grader reads and writes it; units never see it."
    ).tag(config=True)

    @default("cache")
    def _user_cache(self) -> str:
        import platformdirs

        return str(platformdirs.user_cache_path("mlflow-lab") / "starting-states")

    def folder(self) -> Path | None:
        """The cache as a folder, or None when it is switched off ('')."""
        return Path(self.cache) if self.cache else None


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
    # Output still arriving after a cell's reply: a cell that printed hundreds of MB is
    # still streaming; nbclient's 4 s default would fail the cell as if it had hung.
    c.Execute.iopub_timeout = 60
    c.Execute.interrupt_on_timeout = True
    # Every cell has run when the kernel is shut down: its own exit (stopping Spark's JVM)
    # only costs time, and the unit's cgroup and reaper remove whatever it leaves.
    c.Execute.shutdown_kernel = "immediate"
    c.Execute.extra_arguments = ["--IPKernelApp.log_level=CRITICAL"]
    # nbgrader zeroes a test cell that wrote anything to stderr. In this course a check
    # fails by raising, never by printing, so stderr (Spark, py4j and MLflow warnings) is
    # dropped before scoring instead of costing points.
    c.IgnorePattern.enabled = True
    c.IgnorePattern.pattern = r"(?s).*"
    return c
