"""Put a submission back on the assignment's frame before nbgrader reads it.

A learner may delete a test cell, change a cell's points or grade id, mark their own cell
as a test, or hand one notebook in under another's name. nbgrader restores the source of
the test cells it finds, but an unknown grade id or inconsistent metadata makes it reject
the whole notebook, and a deleted test is simply never run. So, per cell id of the
assignment's source notebook:

- locked cells and test cells come from the source, whatever the submission holds there,
  and those the submission deleted are put back where they belong;
- the learner's answer cells keep their code but get the source's metadata;
- any other grading metadata (unknown or duplicated grade ids) is dropped: such a cell is
  plain code, worth nothing.

A source *answer* cell is never copied in: it holds the solution.
"""

from __future__ import annotations

import copy
import uuid
from pathlib import Path

import nbformat


def _grade_id(cell) -> str | None:
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def _fixed(cell) -> bool:
    """A cell that the learner may not change: locked, or a test that is not an answer."""
    meta = cell.metadata.get("nbgrader", {})
    return bool(meta.get("locked") or (meta.get("grade") and not meta.get("solution")))


def restore(submitted, source):
    """``submitted`` (a notebook node) on the frame of ``source``; the source is unchanged."""
    frame = {gid: cell for cell in source.cells if (gid := _grade_id(cell))}
    cells, seen = [], set()
    for cell in submitted.cells:
        gid = _grade_id(cell)
        original = frame.get(gid) if gid not in seen else None
        if original is None:
            cell.metadata.pop("nbgrader", None)
            cells.append(cell)
            continue
        seen.add(gid)
        if _fixed(original):
            cells.append(copy.deepcopy(original))
        else:
            cell.cell_type = original.cell_type
            cell.metadata["nbgrader"] = copy.deepcopy(original.metadata["nbgrader"])
            cells.append(cell)
    for index, original in enumerate(source.cells):
        gid = _grade_id(original)
        if gid and gid not in seen and _fixed(original):
            cells.insert(_position(cells, source.cells[:index]), copy.deepcopy(original))
            seen.add(gid)
    _unique_ids(cells)
    submitted.cells = cells
    return submitted


def _position(cells: list, before: list) -> int:
    """Just after the last cell of ``before`` (source order) present in ``cells``."""
    wanted = [gid for cell in before if (gid := _grade_id(cell))]
    for gid in reversed(wanted):
        for i, cell in enumerate(cells):
            if _grade_id(cell) == gid:
                return i + 1
    return 0


def _unique_ids(cells: list) -> None:
    ids: set[str] = set()
    for cell in cells:
        if cell.get("id") in ids:
            cell["id"] = uuid.uuid4().hex[:8]
        ids.add(cell.get("id"))


def write_restored(submitted: Path, source: Path, target: Path) -> None:
    """Read ``submitted``, restore it on ``source``'s frame, write it to ``target``."""
    notebook = nbformat.read(submitted, as_version=4)
    restored = restore(notebook, nbformat.read(source, as_version=4))
    nbformat.write(restored, target)
