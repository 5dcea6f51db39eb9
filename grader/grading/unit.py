"""Grade one student's one notebook in its own sandbox, in a child process.

Each (student, notebook) is a unit: a fresh lab home (the notebook's setup cell restores
what earlier steps leave, so one step's mistake never costs points in another), its own
nbgrader folder and gradebook (SQLite has no busy timeout: workers never share one), its
own HOME and temp dirs. The child runs nbgrader; the parent enforces the notebook's time
limit and reaps every process of the sandbox afterwards.

With ``limits`` (untrusted work), the learner's kernel runs in a sandbox of the chosen
driver (:class:`~.sandbox.UnitSandbox`):
nbgrader stays outside with the gradebook and the source notebooks, the kernel sees only
the unit's own folders, which live in a neutral folder while it runs (moved back beside the
unit's results when it ends). The outcome audit then runs, with nothing of the learner
alive, in a fresh process in the same jail (as the sandbox uid, so a link the learner
planted in the lab home can point nowhere the learner could not read). Every point needs
the audit's confirmation (:func:`~.outcomes.confirm`); the feedback never quotes a hidden
test (:mod:`.hidden`).
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat

from grader.checks.i18n import notebook_language
from grader.grading import autograde_unit, hidden, outcomes, starting_states, tamper
from grader.grading import results as r
from grader.grading.collect import collect, unscored
from grader.grading.config import ASSIGNMENT, SandboxLimits
from grader.grading.drivers import default_driver
from grader.grading.isolation import UnitFolders, reap
from grader.grading.outcomes import AUDIT_FILE, OUTCOMES
from grader.grading.restore import write_restored
from grader.grading.sandbox import Driver, UnitSandbox, package_parent, unit_folder

#: Seconds the outcome audit may take (it reads records; it starts no Spark).
AUDIT_TIMEOUT = 300
#: How the audit starts: isolated Python (no working folder, PYTHONPATH or user site on
#: sys.path), importing the grader from the package folder the sandbox mounts read-only,
#: and only the SDK's modules it reads records with (it makes no client).
AUDIT_CODE = (
    "import sys; sys.path.insert(0, sys.argv[1]); "
    "from grader.run.startup import import_sdk_modules_alone; import_sdk_modules_alone(); "
    "from grader.grading.outcomes import main; sys.exit(main(sys.argv[2:]))"
)


@dataclass(frozen=True)
class Unit:
    student: str
    notebook: str
    submitted: Path | None  # None: the student handed no such notebook


def readable(path: Path) -> bool:
    try:
        nbformat.validate(nbformat.read(path, as_version=4))
    except Exception:  # not JSON, not a notebook, damaged: all the same to the grader
        return False
    return True


def grade_unit(
    unit: Unit,
    *,
    work: Path,
    template: Path,
    cell_timeout: int,
    notebook_timeout: int,
    limits: SandboxLimits | None = None,
    states: Path | None = None,
    driver: Driver | None = None,
) -> r.NotebookResult:
    """Grade ``unit``; ``template`` is an nbgrader course folder with the assignment made.

    ``limits`` puts the kernel in a sandbox with those caps; ``None`` grades without one
    (trusted work only: the release's own solutions, or ``--unsafe``). ``states`` holds the
    steps' starting states (:mod:`.starting_states`); without it the notebook's setup cell
    restores what it needs itself. ``driver`` makes the sandbox (default: the one
    ``--sandbox auto`` picks on this machine).
    """
    source = template / "source" / ASSIGNMENT / f"{unit.notebook}.ipynb"
    if unit.submitted is None:
        return unscored(source, r.MISSING)
    if not readable(unit.submitted):
        return unscored(source, r.UNREADABLE)

    language = notebook_language(nbformat.read(unit.submitted, as_version=4))
    root_of_unit = work / unit.student / unit.notebook
    if root_of_unit.exists():
        shutil.rmtree(root_of_unit)
    live = None if limits is None else unit_folder()
    sandbox = UnitFolders(root_of_unit, unit.student, live, language)
    sandbox.create()
    if states is not None:
        starting_states.seed(sandbox.lab_home, states, unit.notebook, unit.student)
    root = sandbox.root / "nbgrader"
    shutil.copytree(template / "source", root / "source")
    shutil.copyfile(template / "gradebook.db", root / "gradebook.db")
    target = root / "submitted" / unit.student / ASSIGNMENT / f"{unit.notebook}.ipynb"
    target.parent.mkdir(parents=True)
    write_restored(unit.submitted, source, target)  # tests and locked cells as released

    jail = None if limits is None else _jail(sandbox, limits, driver or default_driver())
    try:
        timed_out = _run_child(sandbox, root, unit, cell_timeout, notebook_timeout, jail)
        if jail is None:
            reap(sandbox)
        else:
            jail.kill()  # nothing of the learner may run while its records are read
            _log_usage(sandbox, jail)
            if not timed_out and unit.notebook in OUTCOMES:
                _audit_in(jail, sandbox, root, unit.notebook)
    finally:
        if jail is not None:
            jail.destroy()
        _keep_lab_home(sandbox)
    if timed_out:
        result = unscored(source, r.TIMED_OUT)
    else:
        result = collect(root, unit.student, source)
        result = outcomes.confirm(result, outcomes.read_audit(root))
        findings = tamper.scan_notebook(unit.submitted)
        result = tamper.withhold(result, findings)
        result = hidden.redact(result, source, tampered=bool(findings))
    result.language = language or "en"  # the feedback page's language
    return result


def _keep_lab_home(sandbox: UnitFolders) -> None:
    """Move the unit's lab home from its neutral folder beside its results; drop the rest."""
    if sandbox.live is None:
        return
    with contextlib.suppress(OSError):
        shutil.move(str(sandbox.lab_home.root), str(sandbox.root / "lab-home"))
    shutil.rmtree(sandbox.live, ignore_errors=True)


def _jail(sandbox: UnitFolders, limits: SandboxLimits, driver: Driver) -> UnitSandbox:
    """The unit's sandbox: its lab home, HOME and TMPDIR are all the kernel may write."""
    name = f"{os.getpid()}.{sandbox.student}.{sandbox.root.name}"
    return driver.create(
        name,
        writable=[sandbox.lab_home.root, sandbox.home, sandbox.tmp],
        home=sandbox.home,
        tmp=sandbox.tmp,
        private=(sandbox.live or sandbox.root) / "private",
        limits=limits,
    )


def _run_child(
    sandbox: UnitFolders,
    root: Path,
    unit: Unit,
    cell_timeout: int,
    limit: int,
    jail: UnitSandbox | None,
) -> bool:
    """Run nbgrader in a child process group; True when it ran out of time."""
    (sandbox.root / "private").mkdir(parents=True, exist_ok=True)
    argv = [
        "--root", str(root), "--student", unit.student,
        "--notebook", unit.notebook, "--cell-timeout", str(cell_timeout),
    ]  # fmt: skip
    if jail is not None:
        spec = sandbox.root / "private" / "kernel.json"
        kernel = jail.command(
            [], env=jail.env(sandbox.env()), log=sandbox.root / "private" / "kernel.log"
        )
        spec.write_text(
            json.dumps({"prefix": kernel, "ipc_dir": str(jail.ipc), "owner": jail.owner})
        )
        argv += ["--sandbox", str(spec)]
    log = sandbox.root / "autograde.log"
    log.write_bytes(b"")
    child = autograde_unit.start(argv, env=sandbox.env(), cwd=root, log=log)
    if child.wait(timeout=limit):
        return False
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.pid, signal.SIGKILL)
    child.wait()
    return True


def _audit_in(jail: UnitSandbox, sandbox: UnitFolders, root: Path, notebook: str) -> None:
    """Check the unit's records in a fresh sandboxed process; write what it confirmed.

    ``python -I`` from the read-only package, in ``/tmp`` (a tmpfs new to this process) as
    working folder, HOME and TMPDIR: nothing the learner wrote is on its ``sys.path`` or in
    its folders but the lab home it audits. Its output is read up to
    :data:`~.outcomes.MAX_OUTPUT` and schema-checked; an audit that fails as a whole
    (records made to hang or crash it, too much output, not its schema) confirms nothing.
    """
    env = jail.env(sandbox.env()) | {"HOME": "/tmp", "TMPDIR": "/tmp", "MPLCONFIGDIR": "/tmp"}
    env.pop("PYTHONPATH", None)
    argv = [sys.executable, "-I", "-c", AUDIT_CODE, package_parent(), notebook]
    log = sandbox.root / "private" / "audit.log"
    command = jail.command(argv, env=env, cwd="/tmp", stderr=log)
    started = time.monotonic()
    try:
        output = _run_capped(command, outcomes.MAX_OUTPUT, AUDIT_TIMEOUT)
        found = outcomes.parse(output, notebook)
    except subprocess.TimeoutExpired:
        found = outcomes.unconfirmed(notebook, f"it took more than {AUDIT_TIMEOUT} s")
    except ValueError as exc:  # JSONDecodeError included
        found = outcomes.unconfirmed(notebook, f"its output was not a valid audit: {exc}")
    (root / AUDIT_FILE).write_text(json.dumps(found, indent=2), encoding="utf-8")
    (sandbox.root / "audit-seconds.txt").write_text(f"{time.monotonic() - started:.2f}\n")


def _run_capped(command: list[str], cap: int, timeout: float) -> bytes:
    """Run ``command``; its stdout, or ValueError once it passes ``cap`` bytes (the process
    is killed then, and never more than ``cap`` bytes are held)."""
    proc = subprocess.Popen(
        command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, start_new_session=True
    )
    chunks, size = [], 0
    deadline = time.monotonic() + timeout
    try:
        with selectors.DefaultSelector() as selector:
            selector.register(proc.stdout, selectors.EVENT_READ)
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise subprocess.TimeoutExpired(command, timeout)
                if not selector.select(left):
                    continue
                chunk = os.read(proc.stdout.fileno(), 65536)
                if not chunk:
                    break
                size += len(chunk)
                if size > cap:
                    raise ValueError(f"it printed more than {cap} bytes")
                chunks.append(chunk)
        proc.wait(timeout=max(1.0, deadline - time.monotonic()))
    finally:
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        proc.stdout.close()
    return b"".join(chunks)


def _log_usage(sandbox: UnitFolders, jail: UnitSandbox) -> None:
    """What the unit used and where its caps bit, for the instructor."""
    (sandbox.root / "usage.json").write_text(json.dumps(jail.usage()), encoding="utf-8")
