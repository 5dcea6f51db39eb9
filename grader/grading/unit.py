"""Grade one student's one notebook in its own sandbox, in a child process.

Each (student, notebook) is a unit: a fresh lab home (the notebook's setup cell restores
what earlier steps leave, so one step's mistake never costs points in another), its own
nbgrader folder and gradebook (SQLite has no busy timeout: workers never share one), its
own HOME and temp dirs. The child runs nbgrader; the parent enforces the notebook's time
limit and reaps every process of the sandbox afterwards.

With ``limits`` (untrusted work), the learner's kernel runs in a :class:`~.sandbox.Jail`:
nbgrader stays outside with the gradebook and the source notebooks, the kernel sees only
the unit's own folders. The outcome audit then runs, with nothing of the learner alive, in
a fresh process in the same jail (as the sandbox uid, so a link the learner planted in the
lab home can point nowhere the learner could not read).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat

from grader.editions import notebook_language
from grader.grading import results as r
from grader.grading import starting_states, tamper
from grader.grading.collect import collect, unscored
from grader.grading.config import ASSIGNMENT, SandboxLimits
from grader.grading.isolation import Sandbox, reap
from grader.grading.outcomes import AUDIT_FILE, OUTCOMES
from grader.grading.restore import write_restored
from grader.grading.sandbox import Jail

#: Seconds the outcome audit may take (it reads records; it starts no Spark).
AUDIT_TIMEOUT = 300


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
) -> r.NotebookResult:
    """Grade ``unit``; ``template`` is an nbgrader course folder with the assignment made.

    ``limits`` puts the kernel in a sandbox with those caps; ``None`` grades without one
    (trusted work only: the release's own solutions, or ``--unsafe``). ``states`` holds the
    steps' starting states (:mod:`.starting_states`); without it the notebook's setup cell
    restores what it needs itself.
    """
    source = template / "source" / ASSIGNMENT / f"{unit.notebook}.ipynb"
    if unit.submitted is None:
        return unscored(source, r.MISSING)
    if not readable(unit.submitted):
        return unscored(source, r.UNREADABLE)

    language = notebook_language(nbformat.read(unit.submitted, as_version=4))
    sandbox = Sandbox(work / unit.student / unit.notebook, unit.student, language)
    if sandbox.root.exists():
        shutil.rmtree(sandbox.root)
    sandbox.create()
    if states is not None:
        starting_states.seed(sandbox.lab_home, states, unit.notebook, unit.student)
    root = sandbox.root / "nbgrader"
    shutil.copytree(template / "source", root / "source")
    shutil.copyfile(template / "gradebook.db", root / "gradebook.db")
    target = root / "submitted" / unit.student / ASSIGNMENT / f"{unit.notebook}.ipynb"
    target.parent.mkdir(parents=True)
    write_restored(unit.submitted, source, target)  # tests and locked cells as released

    jail = None if limits is None else _jail(sandbox, limits)
    try:
        timed_out = _run_child(sandbox, root, unit, cell_timeout, notebook_timeout, jail)
        if jail is None:
            reap(sandbox)
        else:
            jail.cgroup.kill()  # nothing of the learner may run while its records are read
            _log_usage(sandbox, jail)
            if not timed_out and unit.notebook in OUTCOMES:  # 02, 03: nothing to audit
                _audit_in(jail, sandbox, root, unit.notebook)
    finally:
        if jail is not None:
            jail.destroy()
    if timed_out:
        result = unscored(source, r.TIMED_OUT)
    else:
        result = collect(root, unit.student, source)
        result = tamper.withhold(result, tamper.scan_notebook(unit.submitted))
    result.language = language or "en"  # the feedback page's language
    return result


def _jail(sandbox: Sandbox, limits: SandboxLimits) -> Jail:
    """The unit's sandbox: its lab home, HOME and TMPDIR are all the kernel may write."""
    name = f"{os.getpid()}.{sandbox.student}.{sandbox.root.name}"
    return Jail.create(
        name,
        writable=[sandbox.lab_home.root, sandbox.home, sandbox.tmp],
        home=sandbox.home,
        tmp=sandbox.tmp,
        private=sandbox.root / "private",
        limits=limits,
    )


def _run_child(
    sandbox: Sandbox, root: Path, unit: Unit, cell_timeout: int, limit: int, jail: Jail | None
) -> bool:
    """Run nbgrader in a child process group; True when it ran out of time."""
    command = [
        sys.executable, "-m", "grader.grading.autograde_unit",
        "--root", str(root), "--student", unit.student,
        "--notebook", unit.notebook, "--cell-timeout", str(cell_timeout),
    ]  # fmt: skip
    if jail is not None:
        spec = sandbox.root / "private" / "kernel.json"
        kernel = jail.command(
            [], env=jail.env(sandbox.env()), log=sandbox.root / "private" / "kernel.log"
        )
        spec.write_text(
            json.dumps({"prefix": kernel, "ipc_dir": str(jail.ipc), "owner": jail.limits.uid})
        )
        command += ["--sandbox", str(spec)]
    with open(sandbox.root / "autograde.log", "wb") as log:
        child = subprocess.Popen(
            command,
            env=sandbox.env(),
            cwd=root,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            child.wait(timeout=limit)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()
            return True
    return False


def _audit_in(jail: Jail, sandbox: Sandbox, root: Path, notebook: str) -> None:
    """Check the unit's records in a fresh sandboxed process; write what it found.

    The audit's HOME is an empty folder and Python ignores user site-packages, so nothing
    the learner left in their HOME runs in it. An audit that fails as a whole (records made
    to hang or crash it) confirms nothing: every audited test of the notebook fails.
    """
    env = jail.env(sandbox.env()) | {"HOME": "/tmp", "PYTHONNOUSERSITE": "1"}
    argv = [sys.executable, "-s", "-m", "grader.grading.outcomes", notebook]
    command = jail.command(argv, env=env)
    try:
        done = subprocess.run(
            command, capture_output=True, timeout=AUDIT_TIMEOUT, check=False, cwd="/"
        )
        found = json.loads(done.stdout.decode("utf-8", "replace").strip().splitlines()[-1])
        if not isinstance(found, dict):
            raise ValueError("not an object")
    except (subprocess.TimeoutExpired, ValueError, IndexError) as exc:
        why = f"the lab's records could not be checked ({type(exc).__name__})"
        found = {test: {"passed": False, "report": why} for test in OUTCOMES.get(notebook, {})}
    (root / AUDIT_FILE).write_text(json.dumps(found, indent=2), encoding="utf-8")


def _log_usage(sandbox: Sandbox, jail: Jail) -> None:
    """What the unit used and where its caps bit, for the instructor."""
    cgroup = jail.cgroup
    usage = {
        "peak_memory": cgroup.peak_memory(),
        "oom_kills": cgroup.oom_kills(),
        "forks_refused": cgroup.forks_refused(),
    }
    (sandbox.root / "usage.json").write_text(json.dumps(usage), encoding="utf-8")
