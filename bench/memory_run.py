"""The grader's own memory with a hostile class: a 150 MB exception message in one hand-in.

Two classes are graded by ``grader autograde``, sandboxed, in the same run: the baseline
is one correct student's step 01; the other is the same student beside one whose step 01
raises an exception with a 150 MB message. What is measured is the peak resident memory of
the grader's own processes: the ``grader`` command and the nbgrader process of each unit,
not the learners' kernels and audits, whose memory the sandbox's cgroup caps. With the
error cut where it enters the grader, the ratio stays near 1 whatever the message's size;
before, the same class took nbgrader's process to 1.8 GB and the grader's to 1 GB.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import psutil

from bench.measure import Sample, run_measured

STEP = "01_provision"
#: The exception of the hostile hand-in, as the issue measured it.
HUGE_ERROR = 'raise ValueError("x" * 150_000_000)\n'


def build_classes(root: Path) -> tuple[Path, Path]:
    """``baseline/`` (alice) and ``hostile/`` (alice and huge) under ``root``."""
    from tests.grading.make_submissions import learner_notebook, with_cell, write_student

    shutil.rmtree(root, ignore_errors=True)
    baseline, hostile = root / "baseline", root / "hostile"
    for folder in (baseline, hostile):
        write_student(folder, "alice", {STEP: learner_notebook(STEP)})
    upload = learner_notebook(STEP).cells
    source = next(c.source for c in upload if c.get("id") == "upload")
    write_student(hostile, "huge", {STEP: with_cell(STEP, "upload", source + "\n" + HUGE_ERROR)})
    return baseline, hostile


def in_sandbox(process: psutil.Process) -> bool:
    """A learner's kernel or an audit: started by bubblewrap, capped by the unit's cgroup."""
    return process.name() == "bwrap"


def grade(submissions: Path, out: Path) -> Sample:
    shutil.rmtree(out, ignore_errors=True)
    command = [sys.executable, "-m", "grader.cli", "autograde", str(submissions),
               "--out", str(out), "--workers", "2"]  # fmt: skip
    return run_measured(command, log=out.parent / f"{out.name}.log", skip=in_sandbox)


def reason_of(out: Path, student: str) -> str:
    """The saved reason of ``student``'s step 01 (the hostile one must be "too large")."""
    result = json.loads((out / "results" / student / f"{STEP}.json").read_text())
    return result["reason"]
