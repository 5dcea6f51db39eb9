"""The errors the lab runtime and the grader raise on purpose.

Each says what went wrong and how to fix it; a learner should never need the traceback.
"""

from __future__ import annotations

from databricks.sdk.errors import InvalidParameterValue, NotFound, ResourceAlreadyExists

try:
    from databricks.sdk.errors import InvalidState
except ImportError:  # databricks-sdk 0.30 (16.4 LTS ML) maps INVALID_STATE to BadRequest
    from databricks.sdk.errors import BadRequest as InvalidState


class GraderError(Exception):
    """Base of every error this package raises on purpose."""

    def _render_traceback_(self) -> list[str]:
        """What IPython shows in a notebook: the message, not a traceback into the course's
        own code (re-running step 06's deploy cell, say, is answered by its message)."""
        return [f"\x1b[31m{type(self).__name__}:\x1b[0m", *str(self).splitlines()]


class ConfigError(GraderError):
    """A setting has a value that cannot be used."""


class JavaNotFoundError(GraderError):
    """No usable Java (17 or newer) for Spark."""


class SandboxUnavailableError(GraderError):
    """Learners' kernels cannot be sandboxed here; the message says what is missing."""


# The local backend raises the SDK's own error classes (as mixins), so a learner's
# ``except NotFound:`` works the same on the local backend and on Databricks.


class ClusterSpecError(GraderError, InvalidParameterValue):
    """A cluster spec that the lab does not allow; the message names the field and why."""


class ResourceNotFound(GraderError, NotFound):
    """A cluster, endpoint, model or file that does not exist."""


class ResourceConflict(GraderError, ResourceAlreadyExists):
    """Something with that name already exists or is in the wrong state."""


class ClusterStateError(GraderError, InvalidState):
    """A cluster asked to do what its state does not allow (start one that is not stopped)."""


class EndpointError(GraderError):
    """A serving endpoint that did not start or did not answer."""


class EndpointConfigError(GraderError, ValueError):
    """An endpoint name, config or query the local backend cannot serve; says the rule."""


class PortInUseError(EndpointError):
    """The port an endpoint should listen on is taken."""


class CheckFailed(AssertionError):
    """A self-check or hidden test found something that is not as the exercise asks.

    An ``AssertionError`` so nbgrader counts it as a failed test; its message is the
    learner-facing table of what passed, what failed and a hint.
    """


class CourseRunError(GraderError):
    """A notebook of the headless course run failed; the message names notebook and cell."""


class WorkspaceAuthError(ConfigError):
    """No usable Databricks credentials, or the workspace refused them; says what to set."""

    def _render_traceback_(self) -> list[str]:  # IPython shows the message, not a traceback
        return ["\x1b[31mCannot use the Databricks workspace:\x1b[0m", *str(self).splitlines()]


class WorkspaceStateError(GraderError):
    """A workspace resource (cluster, run, endpoint) failed or did not reach its state in
    time; the message names the resource and its last state."""
