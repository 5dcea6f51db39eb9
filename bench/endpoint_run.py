"""The endpoint: start-up to the first answer and single-record latency, tuned and untuned.

Both sides are the same local endpoint (``mlflow models serve`` behind the learner's
``w.serving_endpoints``); the baseline runs it, and the Spark that restores the model, with
``MLFLOW_LAB_TUNING=off``.
"""

from __future__ import annotations

import json
import shutil
import statistics
import sys
from pathlib import Path

from bench.measure import run_measured


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100), linear between ranks, as numpy's default."""
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def probe(work: Path, *, tuned: bool, queries: int) -> dict:
    """One deployment in a fresh lab home; its figures in seconds and milliseconds."""
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    out = work / "probe.json"
    command = [sys.executable, "-m", "bench.endpoint_probe", "--queries", str(queries),
               "--out", str(out)]  # fmt: skip
    env = {"MLFLOW_LAB_HOME": str(work / "lab-home"), "MLFLOW_LAB_TUNING": "on" if tuned else "off"}
    run_measured(command, env=env, log=work / "probe.log")
    result = json.loads(out.read_text())
    ms = [s * 1000 for s in result["latencies"]]
    return {
        "startup_seconds": result["startup_seconds"],
        "p50_ms": statistics.median(ms),
        "p99_ms": percentile(ms, 99),
        "identical_predictions": result["identical_predictions"],
        "test_rows": result["test_rows"],
    }
