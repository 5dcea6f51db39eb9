"""What a check cell leaves behind for the grader to verify outside the learner's kernel.

Some facts exist only in the kernel while it runs: the DataFrames of step 03, the function
of step 05, the endpoint's answers of step 06. A check that reads them also writes what it
read, as plain JSON in the lab home's ``evidence/`` folder; after the kernel is gone, the
grader's audit (``grader/grading/outcomes.py``) reads that file and verifies it against
what the lab's own data says, with code the learner never ran. A check that never ran
(replaced in the kernel, a cell turned into ``pass``) leaves nothing, and the test scores
nothing.

Only the local backend writes evidence: it is what grading runs on.
"""

from __future__ import annotations

import inspect
import json
from pathlib import Path
from typing import Any

from grader.checks.learner import Learner

FOLDER = "evidence"
#: The largest evidence file the audit reads; the prepared data is about 20 KB.
MAX_BYTES = 1 << 20
#: The test DataFrame of a split holds about 100 rows; more is not the lab's data.
MAX_ROWS = 1000


class EvidenceError(ValueError):
    """Evidence that is missing, too large or not what a check writes; says which."""


def path(home_root: Path, name: str) -> Path:
    return Path(home_root) / FOLDER / f"{name}.json"


def read(home_root: Path, name: str) -> dict[str, Any]:
    """The evidence ``name`` of the lab home at ``home_root``, or :class:`EvidenceError`."""
    file = path(home_root, name)
    try:
        size = file.lstat().st_size
    except OSError:
        raise EvidenceError("no evidence: the check cell did not run") from None
    if not file.is_file() or file.is_symlink():
        raise EvidenceError("the evidence is not a plain file")
    if size > MAX_BYTES:
        raise EvidenceError(f"the evidence is {size} bytes, more than {MAX_BYTES}")
    try:
        found = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise EvidenceError(f"the evidence is not JSON ({type(exc).__name__})") from None
    if not isinstance(found, dict):
        raise EvidenceError("the evidence is not a JSON object")
    return found


def _write(lab, name: str, payload: dict[str, Any]) -> None:
    home = getattr(getattr(lab, "backend", None), "home", None)
    if getattr(lab.backend, "name", None) != "local" or home is None:
        return
    file = path(home.root, name)
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(json.dumps(payload), encoding="utf-8")


def _frame(frame) -> dict[str, Any]:
    """A DataFrame's column types and rows, as JSON can hold them."""
    rows = frame.limit(MAX_ROWS + 1).collect()
    return {"dtypes": [list(d) for d in frame.dtypes], "rows": [list(r) for r in rows]}


def _workspace(lab, learner: Learner) -> dict[str, Any]:
    me = learner.optional("me")
    return {"user_name": getattr(me, "user_name", None)}


def _cluster(lab, learner: Learner) -> dict[str, Any]:
    cluster, spark = learner.optional("cluster"), learner.optional("spark")
    answer = None
    if spark is not None:
        try:
            answer = spark.range(100).count()
        except Exception:  # the check said so already
            answer = None
    return {"cluster_id": getattr(cluster, "cluster_id", None), "spark_range_100": answer}


def _frames(*names: str):
    def write(lab, learner: Learner) -> dict[str, Any]:
        return {n: _frame(learner.optional(n)) for n in names if learner.optional(n) is not None}

    return write


def _function(lab, learner: Learner) -> dict[str, Any]:
    fn = learner.optional("train_penguin_model")
    try:
        source = inspect.getsource(fn)
    except (TypeError, OSError):
        source = None
    return {"source": source[: MAX_BYTES // 2] if source else None}


def _response(lab, learner: Learner) -> dict[str, Any]:
    return {"predictions": getattr(learner.optional("response"), "predictions", None)}


#: Check name → what it leaves behind (a function of the lab and the learner's variables).
WRITERS = {
    "provision.workspace": _workspace,
    "cluster.spec": _cluster,
    "cluster.running": _cluster,
    "data_prep.data": _frames("data"),
    "data_prep.split": _frames("data", "train", "test"),
    "function.signature": _function,
    "endpoint": _response,
}


def leave(lab, name: str, learner: Learner, **facts: Any) -> None:
    """Write the evidence of check ``name`` (and ``facts`` the check found itself).

    Never raises: evidence that cannot be written is evidence missing, which the audit
    reports as such; the learner's check result stays what it is.
    """
    writer = WRITERS.get(name)
    if writer is None and not facts:
        return
    try:
        payload = writer(lab, learner) if writer else {}
        _write(lab, name, {**payload, **facts})
    except Exception:  # a failure here must not change the check's outcome
        return
