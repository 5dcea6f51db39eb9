"""One notebook run as the course runs it: papermill, parameters, a timeout per cell.

Kept apart from :mod:`grader.course` because each notebook of the course runs in a child
process of its own (:mod:`grader.warm_start`), and every import here is paid once per
notebook: this module imports papermill only, and only when it runs.
"""

from __future__ import annotations

from pathlib import Path


def execute_notebook(
    source: Path, output: Path, *, parameters: dict, engine: str, kernel: str, cell_timeout: int
) -> dict:
    """Run one notebook with papermill as the course runs them; what failed (papermill's
    ``exec_count``, ``ename``, ``evalue``), or {} when every cell ran."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    try:
        papermill.execute_notebook(
            str(source),
            str(output),
            parameters=parameters,
            engine_name=engine,
            kernel_name=kernel,
            progress_bar=False,
            execution_timeout=cell_timeout,
            cwd=str(output.parent),
            # The kernel's own log (TCP transport notices) is not the learner's output.
            extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
        )
    except PapermillExecutionError as exc:
        return {"exec_count": exc.exec_count, "ename": exc.ename, "evalue": exc.evalue}
    return {}
