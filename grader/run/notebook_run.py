"""One notebook run as the course runs it: papermill, parameters, a timeout per cell.

Kept apart from :mod:`grader.run.course` because each notebook of the course runs in a child
process of its own (:mod:`grader.run.warm_start`), and every import here is paid once per
notebook: this module imports papermill only, and only when it runs.
"""

from __future__ import annotations

from pathlib import Path


def execute_notebook(
    source: Path,
    output: Path,
    *,
    parameters: dict,
    engine: str,
    kernel: str,
    cell_timeout: int,
    **client_options,
) -> dict:
    """Run one notebook with papermill as the course runs them; what failed (papermill's
    ``exec_count``, ``ename``, ``evalue``), or {} when every cell ran. ``client_options``
    go through papermill's engine to nbclient's client (its traitlets)."""
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
            **client_options,
        )
    except PapermillExecutionError as exc:
        return {"exec_count": exc.exec_count, "ename": exc.ename, "evalue": exc.evalue}
    return {}
