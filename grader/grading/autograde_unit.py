"""Child process: nbgrader autograde of one student's one notebook, in its sandbox.

The parent (``grading/unit.py``) starts this with the sandbox's environment, in its own
process group, and kills the group when the notebook's time is up. With ``--sandbox`` this
process stays outside (it needs the gradebook and the source notebooks) and only the kernel
runs inside the sandbox that the file describes.

Each unit gets a process of its own, but not its own imports: :func:`start` forks it from
multiprocessing's fork server, which imported this module (and so nbgrader) once and
readied what every unit would make again (:mod:`.unit_preload`). That saves each unit about
a second of CPU, most of what a unit's nbgrader process cost beyond plain nbgrader's (which
grades a student's notebooks in one process). The server never grades and reads no unit's
files, so no unit meets another's state.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from grader.run.startup import skip_unused_format_checks

skip_unused_format_checks()  # before nbgrader imports nbformat, here and in the fork server

from nbgrader.apps import NbGraderAPI  # noqa: E402

from grader.grading.config import ASSIGNMENT, nbgrader_config  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--root", type=Path, required=True)
    parser.add_argument("--student", required=True)
    parser.add_argument("--notebook", required=True)
    parser.add_argument("--cell-timeout", type=int, required=True)
    parser.add_argument(
        "--sandbox", type=Path, help="JSON: the kernel's sandbox (prefix, ipc_dir, owner)"
    )
    args = parser.parse_args(argv)

    config = nbgrader_config(args.root, cell_timeout=args.cell_timeout)
    config.CourseDirectory.notebook_id = args.notebook
    if args.sandbox:
        spec = json.loads(args.sandbox.read_text(encoding="utf-8"))
        config.SurviveDeadKernel.sandboxed = True
        config.SandboxedKernelManager.prefix = spec["prefix"]
        config.SandboxedKernelManager.ipc_dir = spec["ipc_dir"]
        config.SandboxedKernelManager.owner = spec["owner"]
    result = NbGraderAPI(config=config).autograde(ASSIGNMENT, args.student, force=True, create=True)
    print(result.get("log", ""))
    if not result["success"]:
        print(result.get("error", ""), file=sys.stderr)
        return 1
    if not args.sandbox:  # sandboxed, the parent audits in a fresh sandbox instead
        from grader.grading.outcomes import write_audit

        write_audit(args.root, args.notebook)  # the kernel is gone: check the records now
    return 0


class Child:
    """The unit's nbgrader process, forked or started: its pid leads its own session."""

    def __init__(self, process: multiprocessing.Process | subprocess.Popen) -> None:
        self._process = process
        self.pid = process.pid

    def wait(self, timeout: float | None = None) -> bool:
        """Wait up to ``timeout`` seconds; True when the process has ended."""
        if isinstance(self._process, subprocess.Popen):
            try:
                self._process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                return False
            return True
        self._process.join(timeout)
        return self._process.exitcode is not None

    @property
    def exitcode(self) -> int | None:
        """Its exit status once ended (negative: the signal that ended it); else None."""
        if isinstance(self._process, subprocess.Popen):
            return self._process.poll()
        return self._process.exitcode


def start(
    argv: list[str],
    *,
    env: dict[str, str],
    cwd: Path,
    log: Path,
    run: Callable[[list[str]], int] = main,
) -> Child:
    """Start ``run(argv)`` (the unit's nbgrader: :func:`main`) in a new session, with
    ``env`` as its whole environment, ``cwd`` as its folder and its output appended to
    ``log``. ``run`` must be a module's function: the child imports it by name.

    A daemonic process (a Dask worker under a nanny, by default) may not have
    multiprocessing children: there the unit's process starts Python afresh instead, which
    costs the imports again and grades the same."""
    if multiprocessing.current_process().daemon:
        with open(log, "ab") as out:
            return Child(
                subprocess.Popen(
                    [sys.executable, "-m", __name__, *argv],
                    env=env,
                    cwd=cwd,
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(_preload())
    process = context.Process(target=_forked, args=(run, argv, env, str(cwd), str(log)))
    process.start()
    return Child(process)


def _preload() -> list[str]:
    """What the fork server imports before it forks: :mod:`.unit_preload`, and this
    process's main module (the grader's command line, a Dask worker, pytest).

    multiprocessing runs the parent's main module again in every child it starts, as
    ``__mp_main__``; imported once in the server, that costs each unit the main module's
    own lines, not its imports (a second of CPU for the grader's command line)."""
    entry = sys.modules["__main__"]
    name = getattr(entry.__spec__, "name", None)  # None: a script, which "__main__" names
    by_name = [name] if name and not name.endswith("__main__") else []  # __main__s are skipped
    return ["__main__", *by_name, "grader.grading.unit_preload"]


def _forked(
    run: Callable[[list[str]], int], argv: list[str], env: dict[str, str], cwd: str, log: str
) -> None:
    """In the forked child: become the process ``python -m`` would have started."""
    os.setsid()
    out = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    sys.stdout.flush()
    sys.stderr.flush()
    os.dup2(out, 1)
    os.dup2(out, 2)
    os.close(out)
    os.environ.clear()
    os.environ.update(env)
    tempfile.tempdir = None  # read TMPDIR again
    os.chdir(cwd)
    sys.exit(run(argv))


if __name__ == "__main__":
    sys.exit(main())
