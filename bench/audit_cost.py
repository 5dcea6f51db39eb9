"""What the outcome audit costs per unit, in CPU-seconds, step by step.

The audit is one short process per unit (``python -I`` importing the grader, MLflow for
steps 04-06, reading records and evidence), so it is measured directly rather than sampled:
each step's audit is run ``reps`` times, exactly as grading starts it
(``grader.grading.unit.AUDIT_CODE``, isolated Python, the unit's environment, HOME and
TMPDIR a fresh folder), on a copy of a graded unit's lab home, and the CPU the operating
system accounted to it (user + system, its own children included, from ``wait4``) is kept.
The sandbox's own start (``bwrap``, ``setpriv``) is not included: it is the same for every
step and is counted under "sandbox" in the grading figures.

A graded lab home names the neutral folder it lived in while the unit ran (MLflow's
artifact locations, the records); the copy gets its own path in their place, as a unit's
lab home does when it is seeded (:func:`grader.grading.starting_states.seed`).
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from grader.grading.outcomes import OUTCOMES


def unit_env(unit: Path) -> dict[str, str]:
    """The environment grading gave the unit's kernel (``--setenv`` pairs of its jail)."""
    spec = json.loads((unit / "private" / "kernel.json").read_text(encoding="utf-8"))
    prefix = spec["prefix"]
    env = {}
    for i, part in enumerate(prefix[:-2]):
        if part == "--setenv":
            env[prefix[i + 1]] = prefix[i + 2]
    return env


def _copy_lab_home(unit: Path, env: dict[str, str], to: Path) -> Path:
    from grader.grading.starting_states import _rewrite_store

    home = to / "lab-home"
    shutil.copytree(unit / "lab-home", home, symlinks=True, ignore=shutil.ignore_patterns("spark"))
    renames = [(env["MLFLOW_LAB_HOME"], str(home))]
    _rewrite_store(home / "mlflow.db", renames)
    for record in [*home.glob("clusters/*.json"), *home.glob("endpoints/*.json")]:
        record.write_text(record.read_text().replace(*renames[0]))
    return home


def audit_cpu(unit: Path, notebook: str) -> tuple[float, dict]:
    """CPU-seconds of one audit of the graded ``unit`` folder, and what it confirmed."""
    from grader.grading.sandbox import package_parent
    from grader.grading.unit import AUDIT_CODE

    env = unit_env(unit)
    with tempfile.TemporaryDirectory(prefix="audit-cost-") as scratch:
        scratch = Path(scratch)
        home = _copy_lab_home(unit, env, scratch)
        (scratch / "tmp").mkdir()
        env |= {"MLFLOW_LAB_HOME": str(home), "HOME": str(scratch / "tmp"),
                "TMPDIR": str(scratch / "tmp"), "MPLCONFIGDIR": str(scratch / "tmp")}  # fmt: skip
        env.pop("PYTHONPATH", None)
        argv = [sys.executable, "-I", "-c", AUDIT_CODE, package_parent(), notebook]
        proc = subprocess.Popen(argv, env=env, cwd=scratch / "tmp", stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL)  # fmt: skip
        output = proc.stdout.read()
        _, _, usage = os.wait4(proc.pid, 0)
        proc.returncode = 0
    found = json.loads(output.decode().strip().splitlines()[-1])
    return usage.ru_utime + usage.ru_stime, found


def measure(work: Path, student: str, reps: int) -> dict[str, dict]:
    """Per step: the median CPU-seconds of ``reps`` audits of ``student``'s graded unit, the
    values, and whether the audit confirmed every test (it should, for a correct student)."""
    found = {}
    for notebook in OUTCOMES:
        unit = work / student / notebook
        if not (unit / "lab-home").is_dir():
            continue
        values, confirmed = [], None
        for _ in range(reps):
            seconds, result = audit_cpu(unit, notebook)
            values.append(seconds)
            confirmed = all(v["passed"] for v in result.values()) and set(result) == set(
                OUTCOMES[notebook]
            )
        found[notebook] = {
            "median": statistics.median(values),
            "values": values,
            "all_confirmed": confirmed,
        }
    return found
