"""The front door for every job: run the course, the tests, the linters, a release.

``python3 -m nox -l`` lists the sessions; ``python3 -m nox -s NAME -- ARGS`` passes ARGS on.
"""

from __future__ import annotations

import importlib.util
import platform
import sys
from pathlib import Path

import nox
from packaging.specifiers import SpecifierSet

nox.needs_version = ">=2025.02.09"
# uv makes the environments several times faster where it is installed (pip install uv);
# without it, the stdlib venv (virtualenv may not be installed either).
nox.options.default_venv_backend = "uv|venv"
nox.options.reuse_venv = "yes"

HERE = Path(__file__).parent
PYPROJECT = nox.project.load_toml("pyproject.toml")
REQUIRES_PYTHON = SpecifierSet(PYPROJECT["project"]["requires-python"])
MIN_PYTHON = nox.project.python_versions(PYPROJECT, max_version="3.99")[0]  # "3.11"
#: The course never talks to the internet: MLflow's usage telemetry stays off.
OFFLINE_ENV = {"MLFLOW_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "true"}


def _extra(name: str) -> list[str]:
    """The requirements of one ``[project.optional-dependencies]`` group, without the project."""
    return PYPROJECT["project"]["optional-dependencies"][name]


def _java_problem() -> str | None:
    """Why Spark could not start here, or None. Loads ``grader/lab/java.py`` on its own:
    it is stdlib-only, so this runs before anything is installed."""
    spec = importlib.util.spec_from_file_location("_lab_java", HERE / "grader/lab/java.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it executes
    spec.loader.exec_module(module)
    try:
        module.require_java()
    except Exception as exc:  # its message says how to install Java
        return str(exc)
    return None


def _preflight(session: nox.Session) -> None:
    """Stop at once, with a message and no traceback, if the course cannot run on this machine."""
    if problem := _java_problem():
        session.error(problem)
    session.env.update(OFFLINE_ENV)
    if session.python is None and platform.python_version() not in REQUIRES_PYTHON:
        session.error(
            f"This project needs Python {REQUIRES_PYTHON}, but nox runs on "
            f"{platform.python_version()}. Start nox with one that does, e.g. "
            f"python{MIN_PYTHON} -m nox -s {session.name}"
        )


def _load_stdlib_module(name: str, path: str):
    """A stdlib-only module of the package, loaded from its file before anything is installed."""
    spec = importlib.util.spec_from_file_location(name, HERE / path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it executes
    spec.loader.exec_module(module)
    return module


#: The Databricks Runtime ML LTS releases and their libraries (grader/lab/runtimes.py).
RUNTIMES = _load_stdlib_module("_lab_runtimes", "grader/lab/runtimes.py")
_STEPS = _load_stdlib_module("_lab_steps", "grader/lab/steps.py").STEPS
#: The steps ``dbr`` runs on a runtime's libraries: 03-06, named here rather than taken
#: from where steps run on Databricks, which moves (03-05 run on the cluster; 06 in the
#: learner's kernel, but it registers and serves the model the runtime's MLflow logged).
DBR_STEPS = _STEPS[_STEPS.index("03_data_prep") : _STEPS.index("06_register_deploy") + 1]
#: What runs the notebooks in a ``dbr`` environment: the notebook's side of a cluster
#: (ipykernel), papermill, and the ``grader course`` command; never a runtime library.
DBR_HARNESS = ["papermill>=2.6,<3", "ipykernel>=6.29", "click>=8.1", "rich>=13"]


def _spark_archive(session: nox.Session) -> None:
    """Make this environment's JVM class archive once (grader/lab/jvm_archive.py): about
    half a minute the first time, then every Spark JVM starts about 5 s sooner."""
    session.run("python", "-m", "grader.lab.jvm_archive", silent=True)


@nox.session(default=False)
def course(session: nox.Session) -> None:
    """Run the seven solution notebooks headlessly on the local backend and print a summary."""
    _preflight(session)
    session.install(".")
    _spark_archive(session)
    session.run("grader", "course", *session.posargs)


@nox.session
def tests(session: nox.Session) -> None:
    """Run the test suite with pytest (arguments after -- go to pytest)."""
    _preflight(session)
    session.install(".[test,azure]")  # azure: the offline tests of grader provision azure
    _spark_archive(session)
    session.run("pytest", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """Check style and formatting with ruff."""
    session.install(*_extra("lint"))
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(default=False)
def databricks(session: nox.Session) -> None:
    """Run the whole course on a live Databricks workspace (needs DATABRICKS_HOST)."""
    import os

    if not (os.environ.get("DATABRICKS_HOST") or os.environ.get("DATABRICKS_CONFIG_PROFILE")):
        session.skip(
            "DATABRICKS_HOST is not set, so there is no workspace to run the course on. "
            "Set DATABRICKS_HOST and DATABRICKS_TOKEN (or DATABRICKS_CONFIG_PROFILE) to run "
            "it; README: 'Running the course on Databricks'. Nothing was run."
        )
    session.env.update(OFFLINE_ENV)  # no MLflow telemetry; the workspace is the only remote
    # every request and answer, redacted, for replaying against the tests' fake workspace
    trace = Path("build/databricks/trace.jsonl").resolve()
    trace.unlink(missing_ok=True)
    session.env["MLFLOW_LAB_TRACE"] = str(trace)
    session.install(".")
    session.run("grader", "course", "--backend", "databricks", *session.posargs)
    session.log(f"Trace of the run: {trace} (replay: tests/databricks/test_trace_replay.py)")


@nox.session(default=False)
@nox.parametrize("runtime", [r.version for r in RUNTIMES.ML_LTS])
def dbr(session: nox.Session, runtime: str) -> None:
    """Run steps 03-06 on the local backend with a Databricks Runtime ML LTS's libraries.

    One environment per runtime (grader/lab/runtimes.py: pyspark, mlflow, databricks-sdk,
    pandas, numpy as its release notes list them; the runtime's Python is 3.12, this
    environment's is the one nox runs on). The ``grader`` wheel a cluster installs goes in
    as a cluster installs it, with its dependencies; the session fails if that moved a pin.
    """
    _preflight(session)
    pinned = RUNTIMES.by_version(runtime)
    pins = Path(session.create_tmp()) / "runtime-pins.txt"
    pins.write_text("\n".join([*pinned.requirements(), *pinned.also]) + "\n")
    session.install("-r", str(pins), *DBR_HARNESS, "-c", str(pins))
    wheels = Path(session.create_tmp()) / "wheel"
    for old in wheels.glob("*.whl"):
        old.unlink()
    session.run("python", "-m", "grader.run.databricks.package", str(wheels), silent=True)
    session.install(*map(str, wheels.glob("*.whl")))  # with its dependencies, as a cluster
    out = HERE / "build" / "dbr" / runtime
    out.mkdir(parents=True, exist_ok=True)
    with session.chdir(out):  # so that `python -m` imports the installed wheel, not the checkout
        session.run("python", "-m", "grader.lab.runtimes", "check", runtime)
        _spark_archive(session)
        steps = [f"--only={step}" for step in DBR_STEPS]
        notebooks = HERE / "solutions" / "mlflow_lab"
        session.run(
            "python",
            "-m",
            "grader.cli",
            "course",
            f"--notebooks={notebooks}",
            f"--out={out}",
            *steps,
        )


@nox.session(default=False)
def grade(session: nox.Session) -> None:
    """Grade a class: nox -s grade -- SUBMISSIONS --out DIR [--workers N] [--force]."""
    _preflight(session)
    session.install(".")
    _spark_archive(session)
    session.run("grader", "autograde", *session.posargs)


@nox.session(default=False)
def bench(session: nox.Session) -> None:
    """Time the course, grading and the endpoint against plain papermill and nbgrader
    (nox -s bench -- --reps 3 --only course); writes build/bench/bench.md and bench.json."""
    _preflight(session)
    session.install(".[cluster]")  # cluster: the Dask rows of the grading figures
    _spark_archive(session)
    session.run("python", "-m", "bench", *session.posargs)


@nox.session(default=False)
def release(session: nox.Session) -> None:
    """Regenerate the learner notebooks in course/ from solutions/ with nbgrader."""
    _preflight(session)
    session.install(".")
    _spark_archive(session)
    session.run("grader", "release", *session.posargs)


@nox.session(default=False)
def lab(session: nox.Session) -> None:
    """Open the course in JupyterLab: nox -s lab [-- --lang ko] [--port N] [--no-browser]."""
    _preflight(session)
    session.install(".")
    _spark_archive(session)
    # The learner's shell has no `grader` here: the notebooks name the nox session instead.
    session.env["MLFLOW_LAB_UI_COMMAND"] = "python3 -m nox -s mlflow-ui"
    session.run("grader", "lab", *session.posargs)


@nox.session(default=False)
def labextension(session: nox.Session) -> None:
    """Rebuild the course's JupyterLab plugin (Validate's progress) from labextension/ into
    grader/jupyter_data/, which is committed: learners need no Node.js. Needs npm."""
    session.install("jupyterlab>=4.6,<5")  # brings jupyter-builder, which matches its version
    session.chdir(HERE / "labextension")
    session.run("npm", "ci", "--no-audit", "--no-fund", external=True)
    session.run("jupyter-builder", "build", ".")


@nox.session(name="mlflow-ui", default=False)
def mlflow_ui(session: nox.Session) -> None:
    """Start the MLflow UI on your lab home (MLFLOW_LAB_HOME): nox -s mlflow-ui [-- --port N]."""
    session.env.update(OFFLINE_ENV)
    session.install(".")
    session.run("grader", "mlflow-ui", *session.posargs)


if __name__ == "__main__":
    nox.main()
