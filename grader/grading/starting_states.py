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

States made once are kept for later batches in the grader's cache folder
(:class:`~grader.grading.config.StartingStates`), under a key naming everything that made
them: the grader's own code, Python and the libraries that wrote the files. A second batch,
a resumed one or the next day's, copies them instead of training again (1-2 minutes of
Spark on 2 cores); a changed grader or library makes a new key, so a stale state is never
used. Only the grader writes there: units never see that folder.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import platform
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

from filelock import FileLock

from grader.exceptions import GraderError
from grader.grading.isolation import UnitFolders, kill_processes_of
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


#: The libraries whose versions shape a state's files (the store's schema, the model's format).
_SHAPED_BY = ("mlflow", "pyspark", "palmerpenguins", "pandas")


def build(
    folder: Path,
    steps: tuple[str, ...] = SEEDED,
    *,
    cache: Path | None = None,
    say: Callable[[str], None] = lambda message: None,
) -> Path:
    """Make the starting state of each of ``steps`` under ``folder``; return ``folder``.

    With ``cache``, states this grader made before (for these steps or more) are copied from
    there instead, and states made now are kept there first; see :func:`cache_key`. A cache
    that cannot be made (a grading account whose home is not writable, such as ``nobody``'s
    ``/nonexistent``) only costs time: the states are made for this batch, and ``say``
    tells the instructor why and how to keep them.
    """
    if cache is None:
        return _make(folder, steps)
    shelf = cache / cache_key()
    try:
        shelf.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        say(
            f"The starting states are made for this batch only: their cache {cache} could "
            f"not be made ({exc.strerror or exc}). Set StartingStates.cache to a folder "
            "this account may write to keep them for the next batch."
        )
        return _make(folder, steps)
    with FileLock(str(shelf) + ".lock"):  # two batches at once make the states once
        kept = _kept(shelf, steps)
        if kept is None:
            kept = _make(shelf / "-".join(step[:2] for step in steps), steps)
            shutil.rmtree(kept / "build", ignore_errors=True)  # the maker's own lab home
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for name in (_DONE, "build.log", *steps):
        if (kept / name).is_dir():
            shutil.copytree(kept / name, folder / name)
        elif (kept / name).exists():
            shutil.copyfile(kept / name, folder / name)
    return folder


def cache_key() -> str:
    """A name for states made by this grader's code with these libraries and this Python."""
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parents[1]
    for source in sorted(package.rglob("*.py")):
        digest.update(source.relative_to(package).as_posix().encode() + b"\0")
        digest.update(source.read_bytes() + b"\0")
    versions = [platform.python_version()]
    for name in _SHAPED_BY:
        try:
            versions.append(f"{name}=={importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            versions.append(f"{name} absent")
    digest.update("\n".join(versions).encode())
    return digest.hexdigest()[:16]


def _kept(shelf: Path, steps: tuple[str, ...]) -> Path | None:
    """A complete set of kept states holding every one of ``steps`` (states build on each
    other in course order, so a set made for more steps holds the same states)."""
    for kept in sorted(shelf.iterdir()):
        if (kept / _DONE).exists() and all((kept / step).is_dir() for step in steps):
            return kept
    return None


def _make(folder: Path, steps: tuple[str, ...]) -> Path:
    """Make the states in a child process (``python -m grader.grading.starting_states``) with
    a unit's environment, so Spark and the endpoint never start in the grader's own process;
    whatever it started is stopped when it ends."""
    if folder.exists():
        shutil.rmtree(folder)
    maker = UnitFolders(folder / "build", PLACEHOLDER_USER).create()
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
    renames = [*moved(made_at, str(home.root)), (PLACEHOLDER_USER, student)]
    _rewrite_store(home.mlflow_db, renames)
    for record in [*home.clusters.glob("*.json"), *home.endpoints.glob("*.json")]:
        text = record.read_text(encoding="utf-8")
        for old, new in renames:
            text = text.replace(old, new)
        record.write_text(text, encoding="utf-8")
    return True


def copy_home(source: LabHome, target: LabHome) -> LabHome:
    """A throwaway copy of the lab home ``source`` at ``target``, as a unit's seeded home:
    the store and records name ``target``, and no endpoint record names a live process.

    nbgrader's Validate runs a learner's notebook in such a copy (grader/grading/validation.py), so
    a mistaken cell deletes the copy's files and a deploy starts the copy's server, never
    the learner's. The SQLite store is copied through SQLite's backup API: a kernel of the
    learner's may be writing to it while the copy is made.
    """
    shutil.copytree(
        source.root,
        target.root,
        ignore=shutil.ignore_patterns(*_SKIPPED, "mlflow.db*"),
        dirs_exist_ok=True,
    )
    if source.mlflow_db.exists():
        with sqlite3.connect(source.mlflow_db) as live, sqlite3.connect(target.mlflow_db) as copy:
            live.backup(copy)
        live.close()
        copy.close()
    renames = moved(str(source.root), str(target.root))
    _rewrite_store(target.mlflow_db, renames)
    for record in target.clusters.glob("*.json"):
        _rewrite_record(record, renames)
    for record in target.endpoints.glob("*.json"):
        # A start time no process has: the copy's endpoint is stopped, the learner's runs on.
        _rewrite_record(record, renames, started=0)
    return target.ensure()


def moved(old: str, new: str) -> list[tuple[str, str]]:
    """The replacements that move a lab home from the path ``old`` to ``new``: the path as
    written, and as MLflow writes it in a ``file://`` URI (an artifact location), where a
    ``+`` or a space is %-escaped (``Path.as_uri``). Missing the escaped form left runs logging their models
    into the folder the state was made in, and the audit found no model."""
    return [("file://" + quote(old), "file://" + quote(new)), (old, new)]


def _rewrite_record(path: Path, renames: list[tuple[str, str]], **fields) -> None:
    """Replace strings in one JSON record and set ``fields`` in it."""
    text = path.read_text(encoding="utf-8")
    for old, new in renames:
        text = text.replace(old, new)
    if fields:
        text = json.dumps({**json.loads(text), **fields}, indent=2, sort_keys=True)
    path.write_text(text, encoding="utf-8")


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


def _make_here(folder: Path, steps: list[str]) -> None:
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
    _make_here(Path(sys.argv[1]), sys.argv[2:])
