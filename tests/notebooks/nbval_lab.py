"""nbval, as the course's solution notebooks need it (a pytest plugin; the root conftest.py).

``nox -s tests`` collects ``solutions/mlflow_lab`` with ``--nbval-lax``: every solution
notebook runs in a kernel of its own, every cell must run without an error, and the cells
tagged ``nbval-check-output`` must print what the notebook stores (after
``tests/notebooks/sanitize.cfg`` masks run ids, times and paths). This plugin adds what a
lab notebook needs around nbval's run, through pytest's hooks:

- each notebook runs alone, in a fresh lab home (``MLFLOW_LAB_HOME``, read by its
  parameters cell) made before nbval starts its kernel, and its kernel works in that
  home's temporary folder, not in ``solutions/`` (step 04 saves a copy of its model to
  ``model/`` under the working folder, as the lab does);
- nbgrader scores a test cell 0 on any stderr, so a graded cell of a solution writes none;
- when the notebook is done its endpoints are stopped, and no process of its lab home may
  outlive it;
- the notebook's cells are marked ``slow`` (they start Spark), so the fast lane skips them,
  and only what a checked cell prints is compared (not the tables it displays);
- ``--update-goldens`` writes what the tagged cells printed back into the notebook.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import psutil
import pytest

#: The tag nbval reads (``--nbval-lax`` compares only the cells that carry it).
CHECKED = "nbval-check-output"
_HOME = "_mlflow_lab_home"


def _is_nbval(item) -> bool:
    return type(item).__name__ == "IPyNbCell"


def pytest_addoption(parser):
    parser.addoption(
        "--update-goldens",
        action="store_true",
        help=f"Write what the solution notebooks' {CHECKED} cells printed back into them.",
    )


#: What a checked cell shows besides its print-out is not compared: a table of a random
#: sample (``display(data.sample(0.2))``), a result's repr. The goldens are what it prints.
NOT_COMPARED = ("text/html", "text/plain")


def pytest_collection_modifyitems(items):
    for item in items:
        if _is_nbval(item):
            item.add_marker(pytest.mark.slow)
            notebook = item.parent  # nbval's IPyNbFile: the output keys it leaves out
            if not set(NOT_COMPARED) <= set(notebook.skip_compare):
                notebook.skip_compare = (*notebook.skip_compare, *NOT_COMPARED)


def pytest_configure(config):
    """nbval starts each kernel in its notebook's folder (``RunningKernel(cwd=...)``, no
    option to choose): start it in the folder of the notebook's lab home instead, so that
    what a notebook writes to its working folder never lands in the checkout."""
    import nbval.plugin

    if getattr(nbval.plugin.RunningKernel, "in_lab_folder", False):
        return  # configured already (pytester runs pytest inside this one)

    class KernelInLabFolder(nbval.plugin.RunningKernel):
        in_lab_folder = True

        def __init__(self, kernel_name, cwd=None, **options):
            super().__init__(kernel_name, cwd=os.environ.get(_FOLDER) or cwd, **options)

    nbval.plugin.RunningKernel = KernelInLabFolder


#: The working folder of the notebook nbval is about to start, for its kernel.
_FOLDER = "_NBVAL_LAB_FOLDER"


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """Before nbval starts a notebook's kernel (its file's setup), give it a lab home."""
    notebook = item.parent
    if _is_nbval(item) and getattr(notebook, _HOME, None) is None:
        home = Path(tempfile.mkdtemp(prefix=f"nbval-{Path(notebook.name).stem}-")) / "lab"
        setattr(notebook, _HOME, home)
        notebook._home_before = os.environ.get("MLFLOW_LAB_HOME")
        os.environ["MLFLOW_LAB_HOME"] = str(home)
        os.environ[_FOLDER] = str(home.parent)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if not (_is_nbval(item) and call.when == "call" and report.passed):
        return report
    outputs = getattr(item, "test_outputs", None) or []
    if item.cell.metadata.get("nbgrader", {}).get("grade"):
        stderr = "".join(o.get("text", "") for o in outputs if o.get("name") == "stderr")
        if stderr:
            report.outcome = "failed"
            report.longrepr = (
                f"a graded test cell wrote to stderr (nbgrader scores it 0):\n{stderr}"
            )
    if item.config.getoption("--update-goldens") and CHECKED in item.cell.metadata.get("tags", []):
        _goldens(item.config).setdefault(str(item.parent.path), {})[item.cell.id] = "".join(
            o.get("text", "") for o in outputs if o.get("name") == "stdout"
        )
    return report


@pytest.hookimpl(trylast=True)  # after nbval's own teardown has stopped the kernel
def pytest_runtest_teardown(item, nextitem):
    """After a notebook's last cell: stop what its lab home runs; nothing may be left."""
    notebook = item.parent
    if not _is_nbval(item) or (nextitem is not None and nextitem.parent is notebook):
        return
    from grader.grading.isolation import processes_of
    from grader.lab import serving
    from grader.lab.home import LabHome

    home = getattr(notebook, _HOME)
    serving.stop_all(LabHome(home))
    _, left = psutil.wait_procs(processes_of(home), timeout=15)  # a JVM exits in seconds
    os.environ.pop(_FOLDER, None)
    if notebook._home_before is None:
        os.environ.pop("MLFLOW_LAB_HOME", None)
    else:  # the lab home the session had before this notebook
        os.environ["MLFLOW_LAB_HOME"] = notebook._home_before
    if not left:
        shutil.rmtree(home.parent, ignore_errors=True)
    assert left == [], f"{notebook.name}: a process of its lab home outlived the notebook"


def _goldens(config) -> dict:
    if not hasattr(config, "_nbval_goldens"):
        config._nbval_goldens = {}
    return config._nbval_goldens


def pytest_sessionfinish(session):
    import nbformat

    for path, by_id in _goldens(session.config).items():
        notebook = nbformat.read(path, as_version=4)
        code_cells = [c for c in notebook.cells if c.cell_type == "code"]
        for number, cell in enumerate(code_cells, start=1):
            if cell.get("id") in by_id:
                cell.execution_count = number  # nbval refuses outputs of an unrun cell
                cell.outputs = [
                    nbformat.v4.new_output("stream", name="stdout", text=by_id[cell.id])
                ]
        nbformat.write(notebook, path)
