"""A unit by value: what goes to a cluster worker, what it does there, what comes back.

Workers share no disk with the grader. A unit travels as a :class:`Parcel` (the hand-in's
notebook as bytes) with two shared archives: the assignment's template (the source
notebooks and the gradebook that ``generate_assignment`` made) and, for a step that starts
from an earlier step's state, that state. The worker unpacks them into its own scratch
folder, grades the unit exactly as the local pool does (:func:`~.unit.grade_unit`, in the
sandbox this worker can make) and sends back a :class:`Graded`: the result, the graded
notebook, nbgrader's log and what the sandbox measured. Its scratch folder is then removed.

Every function here runs on a worker, except :func:`pack`, which the grader uses to make
the archives.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import io
import platform
import shutil
import socket
import tarfile
import tempfile
import threading
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

from grader.grading import drivers, placement, starting_states
from grader.grading.config import ASSIGNMENT, SandboxLimits, StartingStates
from grader.grading.unit import Unit, grade_unit

#: How many times a unit may start on a worker: once, and once more elsewhere after its
#: first worker was lost mid-unit. A third start reports the unit instead of grading it.
MAX_STARTS = 2
#: The project's distribution: a worker must run the same grader as the instructor.
DISTRIBUTION = "mlflow-lab-grader"


@dataclass(frozen=True)
class Options:
    """How every unit of a batch is graded (the same for all, set by the grader)."""

    batch: str  # names this batch's attempt counters on the scheduler
    cell_timeout: int
    notebook_timeout: int
    limits: dict[str, int | float] | None  # SandboxLimits' values; None: no sandbox (--unsafe)


@dataclass(frozen=True)
class Parcel:
    student: str
    notebook: str
    submitted: bytes  # the hand-in's .ipynb file, as handed in


@dataclass
class Graded:
    """What a worker sends back for one unit."""

    student: str
    notebook: str
    where: placement.Placement
    result: dict | None = None  # NotebookResult as a dict; None: never graded (see lost)
    graded_notebook: bytes | None = None  # nbgrader's autograded notebook, when it made one
    files: dict[str, bytes] = field(default_factory=dict)  # the unit's log and usage, by name
    lost: bool = False  # started MAX_STARTS times already: its workers were lost each time


def limits_values(limits: SandboxLimits) -> dict[str, int | float]:
    """The limits as plain values: a traitlets object is no thing to send over the wire."""
    return {name: getattr(limits, name) for name in limits.class_trait_names(config=True)}


def pack(root: Path, names: list[str]) -> bytes:
    """An uncompressed tar of ``names`` (files or folders) under ``root``."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name in names:
            tar.add(root / name, arcname=name)
    return buffer.getvalue()


def hold(data: bytes) -> bytes:
    """A task that returns its argument: data the scheduler can recompute if a worker holding
    it is lost (data scattered to a worker would be gone with it)."""
    return data


def describe_worker(unsafe: bool, dask_worker=None) -> dict:
    """This worker as the grader needs to know it (``Client.run`` passes ``dask_worker``)."""
    problems = [] if unsafe else drivers.problems()
    return {
        "name": str(dask_worker.name),
        "host": socket.gethostname(),
        "driver": placement.driver(unsafe),
        "problems": problems,
        "grader": importlib.metadata.version(DISTRIBUTION),
        "python": platform.python_version(),
    }


def make_states(steps: list[str]) -> dict[str, bytes]:
    """The starting states of ``steps``, made on this worker, one archive per step.

    Each archive holds the step's lab home and the marker that says where it was made
    (:func:`~.starting_states.seed` rewrites that path to the unit's lab home)."""
    folder = _scratch() / f"states-{uuid.uuid4().hex}"
    try:
        # this worker's own cache, for its next batches
        starting_states.build(folder, tuple(steps), cache=StartingStates().folder())
        return {step: pack(folder, [starting_states._DONE, step]) for step in steps}
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def grade_parcel(parcel: Parcel, template: bytes, state: bytes | None, options: Options) -> Graded:
    """Grade one unit on this worker; the scratch folder it used is gone when this returns."""
    from distributed import get_worker

    attempt = _start(options.batch, parcel)
    where = placement.Placement(
        worker=str(get_worker().name),
        host=socket.gethostname(),
        driver=placement.driver(options.limits is None),
        attempt=attempt,
    )
    if attempt > MAX_STARTS:
        return Graded(parcel.student, parcel.notebook, where, lost=True)
    driver = None
    if options.limits is not None:
        # the driver this worker has (its `grader doctor`); one that has none refuses, saying
        # what it lacks
        driver = drivers.default_driver()
        driver.remove_stale()  # a lost unit of an earlier worker process on this host
    scratch = _scratch() / f"unit-{uuid.uuid4().hex}"
    try:
        submitted = scratch / "submitted" / f"{parcel.notebook}.ipynb"
        submitted.parent.mkdir(parents=True)
        submitted.write_bytes(parcel.submitted)
        result = grade_unit(
            Unit(parcel.student, parcel.notebook, submitted),
            work=scratch / "work",
            template=_unpacked(template),
            cell_timeout=options.cell_timeout,
            notebook_timeout=options.notebook_timeout,
            limits=None if options.limits is None else SandboxLimits(**options.limits),
            states=None if state is None else _unpacked(state),
            driver=driver,
        )
        return _gather(scratch / "work", parcel, where, asdict(result))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def attempts_name(batch: str, student: str, notebook: str) -> str:
    """The scheduler variable counting a unit's starts in ``batch``."""
    return f"grader-{batch}-{student}-{notebook}-starts"


def _start(batch: str, parcel: Parcel) -> int:
    """Count this start of the unit on the scheduler; return which start it is.

    The scheduler runs a task again when its worker is lost; only the task itself knows
    that it is starting, so it keeps the count where every worker can read it."""
    from distributed import Variable

    starts = Variable(attempts_name(batch, parcel.student, parcel.notebook))
    try:
        before = int(starts.get(timeout=0.001))
    except TimeoutError:  # never set: the first start
        before = 0
    starts.set(before + 1)
    return before + 1


def _gather(work: Path, parcel: Parcel, where: placement.Placement, result: dict) -> Graded:
    """The unit's products, read from its folder before the folder goes."""
    root = work / parcel.student / parcel.notebook
    autograded = (
        root / "nbgrader" / "autograded" / parcel.student / ASSIGNMENT / f"{parcel.notebook}.ipynb"
    )
    files = {
        name: (root / name).read_bytes()
        for name in ("autograde.log", "usage.json")
        if (root / name).is_file()
    }
    return Graded(
        parcel.student,
        parcel.notebook,
        where,
        result=result,
        graded_notebook=autograded.read_bytes() if autograded.is_file() else None,
        files=files,
    )


def _scratch() -> Path:
    """This worker's own folder for units (inside the Dask worker's local directory)."""
    try:
        from distributed import get_worker

        base = Path(get_worker().local_directory)
    except (ImportError, ValueError):  # not in a worker: a plain temporary folder
        base = Path(tempfile.gettempdir())
    folder = base / "grader"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


_unpack_lock = threading.Lock()


def _unpacked(archive: bytes) -> Path:
    """``archive`` unpacked once per worker process (units of a batch share one template)."""
    folder = _scratch() / f"shared-{hashlib.sha256(archive).hexdigest()[:24]}"
    with _unpack_lock:
        if not (folder / ".complete").exists():
            with contextlib.suppress(FileNotFoundError):
                shutil.rmtree(folder)
            with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
                tar.extractall(folder, filter="data")
            (folder / ".complete").touch()
    return folder
