"""The course run: our ``grader course`` against plain papermill with untuned settings.

Baseline: the seven solution notebooks, each in its own kernel, executed one after the
other by ``papermill.execute_notebook`` with its defaults, in a fresh lab home, with
``MLFLOW_LAB_TUNING=off`` (Spark's and the endpoint JVM's default settings). Ours: the
README's main job, ``grader course``, which tunes both.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from bench.measure import Sample, run_measured

STEPS = [
    "01_provision", "02_cluster", "03_data_prep", "04_mlflow_run",
    "05_function", "06_register_deploy", "07_cleanup",
]  # fmt: skip


def ours(solutions: Path, work: Path) -> Sample:
    shutil.rmtree(work, ignore_errors=True)
    command = [sys.executable, "-m", "grader.cli", "course", "--notebooks", str(solutions),
               "--out", str(work)]  # fmt: skip
    return run_measured(command, log=work.parent / f"{work.name}.log")


def baseline(solutions: Path, work: Path) -> Sample:
    shutil.rmtree(work, ignore_errors=True)
    command = [sys.executable, "-m", "bench.course_run", str(solutions), str(work)]
    env = {"MLFLOW_LAB_HOME": str(work / "lab-home"), "MLFLOW_LAB_TUNING": "off"}
    return run_measured(command, env=env, log=work.parent / f"{work.name}.log")


def _plain_papermill(solutions: Path, work: Path) -> None:
    """The baseline's child process: papermill with its defaults, notebook after notebook."""
    import papermill

    from grader.lab import serving
    from grader.lab.home import LabHome

    work.mkdir(parents=True, exist_ok=True)
    home = LabHome(work / "lab-home")
    try:
        for step in STEPS:
            papermill.execute_notebook(
                str(solutions / f"{step}.ipynb"), str(work / f"{step}.ipynb"),
                parameters={"home": str(home.root)}, cwd=str(work),
            )  # fmt: skip
    finally:
        serving.stop_all(home)


if __name__ == "__main__":
    _plain_papermill(Path(sys.argv[1]), Path(sys.argv[2]))
