"""``python -m tests.grading.forking_main FOLDER``: start one unit's process from a main
module run by name, as ``python -m grader.cli autograde`` does."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from grader.grading import autograde_unit
from tests.grading.test_unit_process import report

if __name__ == "__main__":
    folder = Path(sys.argv[1])
    env = {"HOME": str(folder), "TMPDIR": str(folder), "PATH": os.environ["PATH"]}
    child = autograde_unit.start([], env=env, cwd=folder, log=folder / "log", run=report)
    sys.exit(0 if child.wait(timeout=120) and child.exitcode == 3 else 1)
