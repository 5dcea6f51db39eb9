"""The facts each step's self-check and hidden tests assert, one module per step.

A check is looked up by name on first use (``"data_prep.split"`` → ``grader.checks.data_prep``),
gets the :class:`~grader.lab.Lab` and the learner's notebook variables, and returns a
:class:`~grader.checks.report.Report`.
"""

from grader.checks.registry import CHECKS, run_check
from grader.checks.report import Report, Result
from grader.checks.show import say_latest_version, see_run

__all__ = ["CHECKS", "Report", "Result", "run_check", "say_latest_version", "see_run"]
