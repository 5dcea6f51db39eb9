"""nbgrader preprocessors of this course, one per file, chained by ``grading/config.py``."""

from grader.grading.preprocessors.survive_dead_kernel import SurviveDeadKernel

__all__ = ["SurviveDeadKernel"]
