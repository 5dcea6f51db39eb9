"""Notebook runs whose kernel starts, and imports the lab, while the previous notebook runs.

Every notebook gets its own kernel, as in JupyterLab, but a kernel's start and the lab's
imports (MLflow, Spark, the SDK: seconds each) need not wait for the notebook before it.
The course runs each notebook in a child process (``python -m grader.run.warm_start``) that
starts its kernel, imports the lab into it silently (no cell, no execution count, no
output), says ``ready`` on stdout and waits for ``go`` on stdin before papermill executes
the first cell. ``run_course`` starts notebook N+1's child as soon as notebook N goes.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

#: What every notebook imports first; the lab's setup cell then finds them loaded. Run in a
#: function, so no name lands in the learner's namespace. For a step that runs Spark, on a
#: cluster that is already running, the kernel's Spark session starts too: the setup cell's
#: ``lab.spark`` then finds it up (the same session it would start, from the cluster's spec).
WARM_UP = """
def _warm_up(step):
    import importlib
    for module in ("grader.lab.lab", "grader.checks.registry", "mlflow", "mlflow.spark",
                   "pyspark.sql", "pyspark.ml", "databricks.sdk", "pandas"):
        importlib.import_module(module)
    from grader.lab import reference
    from grader.lab.lab import Lab
    from grader.lab.steps import USES_SPARK
    try:
        lab = Lab(step=step)
        lab.backend.configure_mlflow(lab.experiment_name)  # opens (and caches) the store
        if step in USES_SPARK and lab.backend.name == "local":
            found = reference.running_cluster(lab.workspace, reference.cluster_name(lab.user))
            if found is not None:
                lab.connect(found.cluster_id)
    except Exception:
        pass  # nothing to warm: the notebook's setup cell says what is wrong
_warm_up(%r)
del _warm_up
"""

READY, GO = "ready", "go"


def warm_kernel_manager(code: str):
    """A kernel manager (nbclient's ``kernel_manager_class``) whose kernel runs ``code``
    silently once it is up, says ``ready`` and waits for ``go`` before nbclient connects.

    papermill hands engine keyword arguments on to nbclient's client, so this class reaches
    the client through papermill's own engine, unchanged (tests/test_warm_start.py).
    """
    from jupyter_client.manager import AsyncKernelManager

    class WarmKernelManager(AsyncKernelManager):
        async def start_kernel(self, **kw):
            await super().start_kernel(**kw)
            client = self.client()
            client.start_channels()
            try:
                await client.wait_for_ready(timeout=60)
                # A failed import is not an error here: the setup cell meets it and says so.
                await client.execute_interactive(
                    code, silent=True, store_history=False, output_hook=lambda _msg: None
                )
            finally:
                client.stop_channels()
            print(READY, flush=True)
            if sys.stdin.readline().strip() != GO:
                raise SystemExit(0)  # the course stopped before this notebook's turn

    return WarmKernelManager


def execute(source: Path, output: Path, *, home: str, kernel: str, cell_timeout: int) -> dict:
    """Run one notebook with the warm engine; what went wrong, if anything, as a dict."""
    import nbformat

    from grader.lab.steps import step_of
    from grader.run.notebook_run import execute_notebook

    step = step_of(nbformat.read(source, as_version=4), str(source))
    return execute_notebook(
        source, output, parameters={"home": home}, engine="nbclient", kernel=kernel,
        cell_timeout=cell_timeout, kernel_manager_class=warm_kernel_manager(WARM_UP % step),
        # Its cells have all run: a graceful exit only stops Spark's JVM, seconds the next
        # notebook waits for. Endpoints live in a process group of their own.
        shutdown_kernel="immediate",
    )  # fmt: skip


@dataclass
class WarmRun:
    """A notebook's child process, from start to its result."""

    process: subprocess.Popen
    output: Path
    result_file: Path

    @classmethod
    def start(
        cls, source: Path, output: Path, *, home: str, kernel: str, cell_timeout: int
    ) -> WarmRun:
        result_file = output.with_suffix(".result.json")
        result_file.unlink(missing_ok=True)
        command = [sys.executable, "-m", "grader.run.warm_start", str(source), str(output),
                   "--home", home, "--kernel", kernel, "--cell-timeout", str(cell_timeout),
                   "--result", str(result_file)]  # fmt: skip
        process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=output.parent
        )
        return cls(process, output, result_file)

    def go(self) -> None:
        """Wait until the kernel is warm (or the child failed), then let the notebook run."""
        line = self.process.stdout.readline().strip()
        if line == READY:
            self.process.stdin.write(GO + "\n")
            self.process.stdin.flush()

    def wait(self) -> dict:
        """Wait for the notebook to finish; {} when every cell ran, else what failed."""
        code = self.process.wait()
        if self.result_file.is_file():
            failure = json.loads(self.result_file.read_text())
            self.result_file.unlink()
            return failure
        return {"ename": "ExitCode", "evalue": f"the notebook's runner exited with {code}"}

    def cancel(self) -> None:
        """Stop a child whose turn will not come (its kernel shuts down with it), and remove
        the not-yet-executed copy papermill wrote."""
        if self.process.poll() is None:
            self.process.stdin.close()  # readline() sees EOF: no go
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.output.unlink(missing_ok=True)
        self.result_file.unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> int:
    from grader.run.startup import skip_unused_format_checks

    skip_unused_format_checks()
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("source", type=Path)
    parser.add_argument("output", type=Path)
    parser.add_argument("--home", required=True)
    parser.add_argument("--kernel", default="python3")
    parser.add_argument("--cell-timeout", type=int, default=600)
    parser.add_argument("--result", type=Path, required=True)
    args = parser.parse_args(argv)
    try:
        failure = execute(
            args.source, args.output, home=args.home, kernel=args.kernel,
            cell_timeout=args.cell_timeout,
        )  # fmt: skip
    except SystemExit:
        return 0  # cancelled before its turn: no result
    except Exception as exc:  # a kernel that would not start, an unreadable notebook
        failure = {"ename": type(exc).__name__, "evalue": str(exc)}
    args.result.write_text(json.dumps(failure))
    return 0


if __name__ == "__main__":
    sys.exit(main())
