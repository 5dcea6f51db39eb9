"""Each step's starting state, made once per class instead of once per unit.

A notebook's setup cell restores what the earlier steps leave behind (``Lab.restore``), so
a unit is graded on its own notebook only. Restoring is the slowest part of grading the
last two steps: step 06 needs a trained and logged model (Spark, training, MLflow), step 07
also a registered version and a running endpoint. Every student's unit restored the same
thing. Here the restore runs once, in a trusted child process (it runs the course's own
reference code, never a learner's), and each step's lab home is kept as its starting state.
A unit's lab home is seeded from it, and the setup cell then finds everything present and
restores nothing: the same state, made once.

A state is made as a placeholder learner in a folder of its own. MLflow's SQLite store and
the lab's JSON records hold both (the artifact root's absolute path, the user's name in the
experiment and cluster names), so seeding rewrites those two strings in them; nothing else
in a lab home names either (the data and the model files do not).

The endpoint that step 07's state includes is stopped once its record is kept: the record
stays (the learner's cleanup deletes it, as before) but no process is left running.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

from grader.exceptions import GraderError
from grader.grading.isolation import Sandbox, kill_processes_of
from grader.lab.home import LabHome
from grader.lab.steps import NEEDS, STEPS

#: The learner a state is made as; seeding puts the student's name in its place.
PLACEHOLDER_USER = "starting-state-learner"
#: Steps whose setup restores something (01 starts from nothing).
SEEDED = tuple(step for step in STEPS if NEEDS[step])
#: Seconds the states may take: Spark, one training, one registration, one endpoint.
BUILD_TIMEOUT = 900
#: What a state leaves out: logs and Spark's scratch space belong to the process that made them.
_SKIPPED = ("logs", "spark")
_DONE = "complete"


def build(folder: Path, steps: tuple[str, ...] = SEEDED) -> Path:
    """Make the starting state of each of ``steps`` under ``folder``; return ``folder``.

    The work happens in a child process (``python -m grader.grading.starting_states``) with a
    unit's environment, so Spark and the endpoint never start in the grader's own process;
    whatever it started is stopped when it ends.
    """
    if folder.exists():
        shutil.rmtree(folder)
    maker = Sandbox(folder / "build", PLACEHOLDER_USER).create()
    command = [sys.executable, "-m", "grader.grading.starting_states", str(folder), *steps]
    log = folder / "build.log"
    try:
        with log.open("wb") as out:
            done = subprocess.run(
                command,
                env=maker.env(),
                cwd=maker.root,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                timeout=BUILD_TIMEOUT,
                check=False,
            )
    except subprocess.TimeoutExpired:
        raise GraderError(
            f"Making the steps' starting states took over {BUILD_TIMEOUT} s; see {log}."
        ) from None
    finally:
        kill_processes_of(maker.root)
    if done.returncode != 0 or not (folder / _DONE).exists():
        tail = log.read_text(encoding="utf-8", errors="replace")[-2000:]
        raise GraderError(
            "The steps' starting states could not be made (the course's reference code "
            f"failed; nothing was graded). The end of {log}:\n{tail}"
        )
    return folder


def seed(home: LabHome, folder: Path, step: str, student: str) -> bool:
    """Give ``home`` the starting state of ``step`` as ``student``'s; False if it has none."""
    state = folder / step
    if not state.is_dir():
        return False
    made_at = json.loads((folder / _DONE).read_text(encoding="utf-8"))["lab_home"]
    shutil.copytree(state, home.root, dirs_exist_ok=True)
    renames = [(made_at, str(home.root)), (PLACEHOLDER_USER, student)]
    _rewrite_store(home.mlflow_db, renames)
    for record in [*home.clusters.glob("*.json"), *home.endpoints.glob("*.json")]:
        text = record.read_text(encoding="utf-8")
        for old, new in renames:
            text = text.replace(old, new)
        record.write_text(text, encoding="utf-8")
    return True


def _rewrite_store(db: Path, renames: list[tuple[str, str]]) -> None:
    """Replace strings in every text column of MLflow's SQLite store."""
    if not db.exists():
        return
    with sqlite3.connect(db) as conn:
        tables = [
            row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
        ]
        for table in tables:
            columns = [
                row[1]
                for row in conn.execute(f'PRAGMA table_info("{table}")')
                if any(kind in row[2].upper() for kind in ("CHAR", "TEXT", "CLOB"))
            ]
            for column in columns:
                for old, new in renames:
                    conn.execute(
                        f'UPDATE "{table}" SET "{column}" = REPLACE("{column}", ?, ?) '
                        f'WHERE instr("{column}", ?) > 0',
                        (old, new, old),
                    )
    conn.close()


def _make(folder: Path, steps: list[str]) -> None:
    """In the child: restore each step as its setup cell would, keeping a copy after each."""
    from grader.config import Settings
    from grader.lab import Lab, serving

    home = LabHome(Settings.from_env().home_path)
    try:
        for step in steps:
            Lab.setup(step)
            shutil.copytree(home.root, folder / step, ignore=shutil.ignore_patterns(*_SKIPPED))
    finally:
        serving.stop_all(home)
    (folder / _DONE).write_text(json.dumps({"lab_home": str(home.root)}), encoding="utf-8")


if __name__ == "__main__":
    _make(Path(sys.argv[1]), sys.argv[2:])
