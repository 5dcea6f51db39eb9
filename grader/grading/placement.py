"""Where each unit was graded: which worker, on which host, with which sandbox driver.

A class graded on a cluster is graded by machines the instructor may never log in to; when
a score looks wrong, the first question is where it was made. Each graded unit leaves a
small record beside its result (``placement/<student>/<notebook>.json``), written by the
grader when the result arrives, and the class summary gets a section made from them.
"""

from __future__ import annotations

import csv
import json
import socket
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

#: The sandbox a unit's kernel ran in: a driver's label (:mod:`.sandbox`, e.g.
#: "bwrap (root, cgroup v1)"), or the unsandboxed mode of ``--unsafe``.
BWRAP = "bwrap"
NO_SANDBOX = "none (--unsafe)"
#: The worker name of units graded by this machine's own pool (``--workers``).
LOCAL_POOL = "local pool"

SECTION = "## Where each unit was graded"


@dataclass(frozen=True)
class Placement:
    worker: str  # the Dask worker's name, or LOCAL_POOL
    host: str
    driver: str
    attempt: int = 1  # 2: its first worker was lost mid-unit and it was graded again


def driver(unsafe: bool) -> str:
    """The label of the driver this machine grades with (``--sandbox auto``'s choice)."""
    from grader.exceptions import SandboxUnavailableError
    from grader.grading import drivers

    if unsafe:
        return NO_SANDBOX
    try:
        return drivers.default_driver().label
    except SandboxUnavailableError:
        return BWRAP  # it cannot grade; it is listed, and not used, by the driver it lacks


def local(label: str) -> Placement:
    """A unit graded by this machine's pool, in the sandbox ``label`` names."""
    return Placement(worker=LOCAL_POOL, host=socket.gethostname(), driver=label)


def path_of(out: Path, student: str, notebook: str) -> Path:
    return out / "placement" / student / f"{notebook}.json"


def record(out: Path, student: str, notebook: str, placement: Placement) -> None:
    path = path_of(out, student, notebook)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(asdict(placement)), encoding="utf-8")


def load_all(out: Path) -> dict[tuple[str, str], Placement]:
    """(student, notebook) → where it was graded, for every unit that has a record."""
    found = {}
    for path in sorted((out / "placement").glob("*/*.json")):
        try:
            found[path.parent.name, path.stem] = Placement(**json.loads(path.read_text("utf-8")))
        except (OSError, ValueError, TypeError):
            continue  # a damaged record names no worker; the unit's result is unaffected
    return found


def write_summary_section(out: Path, summary_dir: Path) -> list[Path]:
    """Append the workers' table to ``summary.md`` and list every unit in ``graded_by.csv``.

    Nothing is written when no unit has a record (a batch of units that never ran)."""
    placements = load_all(out)
    if not placements:
        return []
    listing = summary_dir / "graded_by.csv"
    with listing.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["student", "notebook", "worker", "host", "driver", "attempt"])
        for (student, notebook), p in sorted(placements.items()):
            writer.writerow([student, notebook, p.worker, p.host, p.driver, p.attempt])
    units = Counter((p.worker, p.host, p.driver) for p in placements.values())
    retried = Counter((p.worker, p.host, p.driver) for p in placements.values() if p.attempt > 1)
    lines = [
        "",
        SECTION,
        "",
        "| Worker | Host | Sandbox driver | Units | Graded again after a lost worker |",
        "| --- | --- | --- | ---: | ---: |",
    ]
    lines += [
        f"| {_md(w)} | {_md(h)} | {_md(d)} | {n} | {retried[w, h, d]} |"
        for (w, h, d), n in sorted(units.items())
    ]
    lines += ["", f"Every unit, with its worker: [{listing.name}]({listing.name})", ""]
    summary_md = summary_dir / "summary.md"
    text = summary_md.read_text(encoding="utf-8") if summary_md.exists() else ""
    text = text.split("\n" + SECTION, 1)[0].rstrip("\n") + "\n"  # rewriting replaces it
    summary_md.write_text(text + "\n".join(lines), encoding="utf-8")
    return [listing]


def _md(text: str) -> str:
    """A table cell: worker and host names come from the cluster, not from us."""
    return str(text).replace("|", "\\|").replace("\n", " ")
