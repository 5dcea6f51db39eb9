"""Grade a batch's units on a Dask distributed cluster (``grader autograde --cluster``).

The grader stays the one writer of results: it sends each unit to the cluster by value
(:mod:`.parcel`), and writes the result, the graded notebook, the unit's log and where it
was graded (:mod:`.placement`) as each one comes back, so a batch stopped half-way resumes
as the local pool's does. Units are submitted a few at a time (twice the cluster's
threads), so a class of thousands never sits in the scheduler's memory at once.

A worker lost mid-unit: the scheduler runs the unit again on another worker; a unit that
has started twice already is reported as lost instead of graded a third time (the count
lives on the scheduler, see :func:`.parcel._start`). A lost unit's result is not kept, so
running the same command again grades it.
"""

from __future__ import annotations

import importlib.metadata
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from pathlib import Path

from grader.exceptions import GraderError, SandboxUnavailableError
from grader.grading import parcel, placement, starting_states
from grader.grading.collect import unscored
from grader.grading.config import ASSIGNMENT, SandboxLimits
from grader.grading.results import NotebookResult
from grader.grading.unit import Unit, grade_unit, readable

#: Seconds to reach the scheduler, and to wait for a first worker to join it.
CONNECT_TIMEOUT = 30
WORKER_WAIT = 120
#: Why a unit scored nothing when its workers were lost (not kept: a re-run grades it).
WORKER_LOST = "worker lost twice (run the same command again to grade it)"
WORKER_FAILED = "grading failed on the worker"


def grade_on_cluster(
    address: str,
    todo: list[Unit],
    *,
    out: Path,
    template: Path,
    cell_timeout: int,
    notebook_timeout: int,
    limits: SandboxLimits | None,
    say: Callable[[str], None] = lambda message: None,
) -> Iterator[tuple[Unit, NotebookResult, bool]]:
    """Grade ``todo`` on the cluster at ``address``; yield (unit, result, keep) as each ends.

    ``template`` is the class's nbgrader course folder; ``limits`` None grades without a
    sandbox (``--unsafe``). ``keep`` is False for a result that should not mark its unit
    done (its workers were lost, or the worker failed): the next run grades it again.
    """
    try:
        from distributed import Client
    except ImportError:
        raise GraderError(
            "--cluster needs Dask on this machine and on every worker: "
            "python3 -m pip install '.[cluster]' (or dask distributed)."
        ) from None

    if not todo:
        return
    try:
        client = Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise GraderError(
            f"Could not reach the Dask scheduler at {address} ({exc}). Start one with "
            "`dask scheduler` and give its address (tcp://HOST:8786), or grade on this "
            "machine with --workers."
        ) from None
    try:
        nothing_to_run = [u for u in todo if u.submitted is None or not readable(u.submitted)]
        for unit in nothing_to_run:  # missing or unreadable: scored here, no kernel needed
            yield unit, _grade_here(unit, out, template), True
        todo = [u for u in todo if u not in nothing_to_run]
        if todo:
            yield from _run(client, address, todo, out, template, cell_timeout,
                            notebook_timeout, limits, say)  # fmt: skip
    finally:
        client.close()


def _run(client, address, todo, out, template, cell_timeout, notebook_timeout, limits, say):
    from distributed import as_completed

    workers = _capable_workers(client, address, unsafe=limits is None, say=say)
    options = parcel.Options(
        batch=uuid.uuid4().hex[:12],
        cell_timeout=cell_timeout,
        notebook_timeout=notebook_timeout,
        limits=None if limits is None else parcel.limits_values(limits),
    )
    submit = _Submitter(client, options, template, todo, workers)
    window = 2 * sum(client.nthreads().values()) or 2
    queue, by_key = deque(todo), {}
    pending = as_completed(loop=client.loop)

    def top_up() -> None:
        while queue and pending.count() < window:
            unit = queue.popleft()
            future = submit(unit)
            by_key[future.key] = unit
            pending.add(future)

    try:
        top_up()
        for future in pending:
            unit = by_key.pop(future.key)
            outcome = _receive(future, unit, out, template, submit)
            if outcome is None:  # handed to the cluster once more
                again = submit(unit, again=True)
                by_key[again.key] = unit
                pending.add(again)
                continue
            yield unit, *outcome
            top_up()
    finally:
        submit.forget()


class _Submitter:
    """Makes the tasks of one batch: the shared archives once, then one task per unit."""

    def __init__(self, client, options: parcel.Options, template: Path, todo, workers):
        self.client, self.options, self.workers = client, options, workers
        self.template = client.submit(
            parcel.hold,
            parcel.pack(template, ["source", "gradebook.db"]),
            key=f"grader-template-{options.batch}",
        )
        seeded = sorted({u.notebook for u in todo if u.notebook in starting_states.SEEDED})
        self.states = {}
        if seeded:  # made by a worker, once; each unit fetches only its own step's state
            made = client.submit(
                parcel.make_states, seeded, key=f"grader-states-{options.batch}", **self._where()
            )
            self.states = {
                step: client.submit(
                    _state_of, made, step, key=f"grader-state-{step}-{options.batch}"
                )
                for step in seeded
            }
        self.submitted: list[Unit] = []

    def __call__(self, unit: Unit, *, again: bool = False):
        self.submitted.append(unit)
        task = parcel.Parcel(unit.student, unit.notebook, unit.submitted.read_bytes())
        suffix = "-again" if again else ""
        return self.client.submit(
            parcel.grade_parcel,
            task,
            self.template,
            self.states.get(unit.notebook),
            self.options,
            key=f"grade-{unit.student}-{unit.notebook}-{self.options.batch}{suffix}",
            **self._where(),
        )

    def _where(self) -> dict:
        """Only workers that can sandbox, when some cannot (none named: any worker)."""
        return (
            {} if self.workers is None else {"workers": self.workers, "allow_other_workers": False}
        )

    def forget(self) -> None:
        """Drop this batch's start counters from the scheduler."""
        from distributed import Variable

        for unit in self.submitted:
            name = parcel.attempts_name(self.options.batch, unit.student, unit.notebook)
            Variable(name, client=self.client).delete()


def _state_of(states: dict[str, bytes], step: str) -> bytes:
    return states[step]


def _capable_workers(client, address: str, *, unsafe: bool, say) -> list[str] | None:
    """The workers that can grade; None when all can. Refuses when none can."""
    try:
        client.wait_for_workers(1, timeout=WORKER_WAIT)
    except TimeoutError:
        raise GraderError(
            f"No worker joined the Dask scheduler at {address} in {WORKER_WAIT} s. Start "
            f"one on each grading machine: dask worker {address} --nthreads $(nproc) "
            "(README: 'Grading on a cluster (Dask)')."
        ) from None
    described = client.run(parcel.describe_worker, unsafe)
    ours = importlib.metadata.version(parcel.DISTRIBUTION)
    for about in described.values():
        line = f"worker {about['name']} on {about['host']}: sandbox {about['driver']}"
        if about["problems"]:
            line += " — cannot sandbox: " + "; ".join(about["problems"])
        if about["grader"] != ours:
            line += f" — runs grader {about['grader']}, this grader is {ours}"
        say(line)
    capable = [
        addr
        for addr, about in described.items()
        if not about["problems"] and about["grader"] == ours
    ]
    if not capable:
        raise SandboxUnavailableError(
            f"No worker of {address} can grade: each lacks a sandbox or runs another version "
            "of the grader (see the lines above). Fix that on the workers, or grade only "
            "trusted work with --unsafe."
        )
    return None if len(capable) == len(described) else capable


def _receive(future, unit: Unit, out: Path, template: Path, submit: _Submitter):
    """(result, keep) of a finished task, with its files written; None: submit it again."""
    from distributed import KilledWorker

    source = template / "source" / ASSIGNMENT / f"{unit.notebook}.ipynb"
    try:
        graded: parcel.Graded = future.result()
    except KilledWorker:
        # The scheduler gave up after its own retries (its allowed-failures); the unit's
        # start count decides whether it gets one more.
        return (
            None
            if future.key.endswith(submit.options.batch)
            else (unscored(source, WORKER_LOST), False)
        )
    except Exception as exc:
        return unscored(source, f"{WORKER_FAILED}: {type(exc).__name__}: {exc}"), False
    finally:
        future.release()
    if graded.lost:
        return unscored(source, WORKER_LOST), False
    _write_files(out, graded)
    placement.record(out, unit.student, unit.notebook, graded.where)
    return NotebookResult._from_dict(graded.result), True


def _write_files(out: Path, graded: parcel.Graded) -> None:
    """The unit's products where the local pool leaves them (``work/<student>/<notebook>``),
    so the gradebook and the instructor find them in the same place either way."""
    import shutil

    root = out / "work" / graded.student / graded.notebook
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    for name, data in graded.files.items():
        (root / Path(name).name).write_bytes(data)
    if graded.graded_notebook is not None:
        notebook = (
            root / "nbgrader" / "autograded" / graded.student / ASSIGNMENT
            / f"{graded.notebook}.ipynb"
        )  # fmt: skip
        notebook.parent.mkdir(parents=True)
        notebook.write_bytes(graded.graded_notebook)


def _grade_here(unit: Unit, out: Path, template: Path) -> NotebookResult:
    """A unit with nothing to run (missing or unreadable): scored here, it starts nothing."""
    return grade_unit(
        unit, work=out / "work", template=template, cell_timeout=0, notebook_timeout=0
    )
