"""The grader's own memory with a hostile class: a 150 MB exception message in one hand-in,
and a 400 MB string in a record the outcome audit reads and quotes in another.

Two classes of three units are graded by ``grader autograde``, sandboxed, in the same run:

- the baseline: two correct step 01s and an untouched step 02 (a learner who did nothing);
- the hostile class: a correct step 01; a step 01 that raises an exception with a 150 MB
  message; and a step 02 that writes a cluster record whose ``spark_version`` is 400 MB
  long, with read-only evidence naming that cluster (the check cell cannot overwrite it).
  The audit of step 02 re-runs the spec check on that record, which quotes the runtime it
  found: without the audit's caps (each test's report cut to ``MAX_REPORT``, its output to
  ``MAX_OUTPUT``, read by the grader up to that) its output would be the 400 MB string.

What is measured is the peak resident memory of the grader's own processes: the
``grader`` command, its workers and the nbgrader process of each unit; not the learners'
kernels and audits, whose memory the sandbox's cgroup caps, nor the maker of the starting
states that any step after 01 needs (the course's reference run, Spark and a model server,
the same in both classes).
Before the caps, the 150 MB error took nbgrader's process to 1.8 GB and the grader's to
1 GB, and an audit printing 400 MB took the grader to 1.8 GB.

:func:`uncapped_audit_output` then runs the same audit on the kept lab home with the
report cap lifted, outside any sandbox, and counts what it prints without keeping it:
that shows the case really makes the audit's output that large.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import psutil

from bench.measure import Sample, run_measured

STEP = "01_provision"
#: The step whose audit quotes a record: its spec check names the runtime it found.
ECHO_STEP = "02_cluster"
#: The exception of the hostile hand-in, as the issue measured it.
HUGE_ERROR = 'raise ValueError("x" * 150_000_000)\n'
#: Characters of the runtime name in the forged cluster record.
ECHO_SIZE = 400_000_000
#: The forged record and evidence, written by the learner's kernel in place of the exercise.
ECHO_CELL = f"""
import json, os, pathlib
home = pathlib.Path(os.environ["MLFLOW_LAB_HOME"])
(home / "clusters").mkdir(exist_ok=True)
with open(home / "clusters" / "echo-1.json", "w") as out:
    json.dump({{"cluster_id": "echo-1", "cluster_name": "echo", "state": "RUNNING",
               "num_workers": 0, "spark_version": "x" * {ECHO_SIZE}}}, out)
(home / "evidence").mkdir(exist_ok=True)
for name in ("cluster.spec", "cluster.running"):
    forged = home / "evidence" / f"{{name}}.json"
    forged.write_text(json.dumps({{"cluster_id": "echo-1", "spark_range_100": 100}}))
    forged.chmod(0o444)  # the check cell's own evidence cannot replace it
"""


def build_classes(root: Path) -> tuple[Path, Path]:
    """``baseline/`` (alice, bob, idle) and ``hostile/`` (alice, huge, echo) under ``root``."""
    from tests.grading.make_submissions import learner_notebook, with_cell, write_student

    shutil.rmtree(root, ignore_errors=True)
    baseline, hostile = root / "baseline", root / "hostile"
    for folder in (baseline, hostile):
        write_student(folder, "alice", {STEP: learner_notebook(STEP)})
    write_student(baseline, "bob", {STEP: learner_notebook(STEP)})
    write_student(baseline, "idle", {ECHO_STEP: learner_notebook(ECHO_STEP, solved=False)})
    upload = learner_notebook(STEP).cells
    source = next(c.source for c in upload if c.get("id") == "upload")
    write_student(hostile, "huge", {STEP: with_cell(STEP, "upload", source + "\n" + HUGE_ERROR)})
    echo = learner_notebook(ECHO_STEP, solved=False)
    next(c for c in echo.cells if c.get("id") == "runtime").source = ECHO_CELL
    write_student(hostile, "echo", {ECHO_STEP: echo})
    return baseline, hostile


def not_the_graders(process: psutil.Process) -> bool:
    """A learner's kernel or an audit (started by bubblewrap, capped by the unit's cgroup), or
    the maker of the starting states (the course's own reference run, with its Spark and
    model server: the same in both classes, and no part of what a hand-in can grow)."""
    if process.name() == "bwrap":
        return True
    return "grader.grading.starting_states" in " ".join(process.cmdline())


def grade(submissions: Path, out: Path) -> Sample:
    shutil.rmtree(out, ignore_errors=True)
    command = [sys.executable, "-m", "grader.cli", "autograde", str(submissions),
               "--out", str(out), "--workers", "2"]  # fmt: skip
    return run_measured(command, log=out.parent / f"{out.name}.log", skip=not_the_graders)


def outcome_of(out: Path, student: str, step: str = STEP) -> str:
    """``student``'s saved score of ``step`` and the reason of each test that lost points."""
    result = json.loads((out / "results" / student / f"{step}.json").read_text())
    tests = result["tests"]
    score = sum(t["points"] for t in tests), sum(t["max_points"] for t in tests)
    reasons = [f"{t['test_id']}: {t['reason'] or t['message']}"[:160] for t in tests
               if t["points"] < t["max_points"]]  # fmt: skip
    head = f"{score[0]:g}/{score[1]:g}"
    return "; ".join([head, *([result["reason"]] if result.get("reason") else []), *reasons])


def audit_output_bytes(out: Path, student: str = "echo") -> int:
    """Bytes of the audit result the grader kept for the echoing unit (the capped output)."""
    from grader.grading.outcomes import AUDIT_FILE

    return (out / "work" / student / ECHO_STEP / "nbgrader" / AUDIT_FILE).stat().st_size


def uncapped_audit_output(out: Path, student: str = "echo") -> int:
    """Bytes the echoing unit's audit prints with its report cap lifted (counted, not kept).

    Run on the unit's kept lab home, outside the sandbox: trusted code, the learner's data.
    """
    lab_home = out / "work" / student / ECHO_STEP / "lab-home"
    code = (
        "import sys; from grader.grading import outcomes; outcomes.MAX_REPORT = 10**12; "
        f"sys.exit(outcomes.main([{ECHO_STEP!r}]))"
    )
    env = {**os.environ, "MLFLOW_LAB_HOME": str(lab_home)}
    proc = subprocess.Popen([sys.executable, "-I", "-c", code], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, env=env)  # fmt: skip
    size = 0
    while chunk := proc.stdout.read(1 << 20):
        size += len(chunk)
    proc.wait()
    return size
