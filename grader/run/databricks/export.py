"""Reading a notebook run back from the workspace: ``jobs.export_run`` → Jupyter outputs.

Databricks exports a run as HTML with the notebook's model embedded in a script,
``var __DATABRICKS_NOTEBOOK_MODEL = '<base64 of the URL-encoded JSON>'``; Databricks' own
``extract.py`` reads it the same way. The model's ``commands`` are the notebook's cells in
``position`` order, each with its ``command`` (source), ``results`` and, for a cell that
failed, ``state: "error"`` with ``errorSummary`` and ``error``. This module turns those into
the executed notebook's outputs, so papermill's own checks name the failed cell, and keeps
rich outputs rich: a ``mimeBundle`` result keeps every representation (HTML, PNG, text), a
``table`` (``display(df)``) becomes an HTML table.
"""

from __future__ import annotations

import base64
import html
import json
import re
import urllib.parse
from typing import Any

from nbformat import NotebookNode
from nbformat.v4 import new_output

from grader.exceptions import WorkspaceStateError

_MODEL = re.compile(r"__DATABRICKS_NOTEBOOK_MODEL\s*=\s*'([^']*)'")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def notebook_model(html: str) -> dict[str, Any]:
    """The notebook model embedded in an exported run's HTML."""
    found = _MODEL.search(html)
    if found is None:
        raise WorkspaceStateError(
            "The exported run has no notebook model (__DATABRICKS_NOTEBOOK_MODEL); "
            "was it a notebook task?"
        )
    return json.loads(urllib.parse.unquote(base64.b64decode(found.group(1)).decode("utf-8")))


def _mime_value(value: Any) -> Any:
    """A bundle's value as nbformat keeps it: JSON types as they are, text joined."""
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "".join(value)
    return value


def _table(schema: list[dict[str, Any]], rows: list[list[Any]]) -> dict[str, str]:
    """A ``display(df)`` table (``schema`` names the columns) as HTML and as plain text."""
    names = [str(c.get("name", "")) for c in schema] or [str(i) for i in range(len(rows[0]))]
    head = "".join(f"<th>{html.escape(n)}</th>" for n in names)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>" for row in rows
    )
    plain = "\n".join("\t".join(map(str, row)) for row in [names, *rows])
    return {"text/html": f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>",
            "text/plain": plain}  # fmt: skip


def _outputs(results: dict[str, Any] | None) -> list[NotebookNode]:
    """One command's ``results`` as Jupyter outputs (text, HTML, images, nested lists)."""
    if not results:
        return []
    kind, data = results.get("type"), results.get("data")
    if kind == "listResults":
        return [out for item in data or [] for out in _outputs(item)]
    if kind in ("text", "ansi") and data:
        return [new_output("stream", name="stdout", text=_ANSI.sub("", str(data)))]
    if kind == "mimeBundle" and isinstance(data, dict) and data:  # every representation
        return [new_output("display_data", data={m: _mime_value(v) for m, v in data.items()})]
    if kind == "html" and data:
        return [new_output("display_data", data={"text/html": str(data)})]
    if kind == "image" and data:
        return [new_output("display_data", data={"image/png": str(data)})]
    if kind == "table" and data:
        return [new_output("display_data", data=_table(results.get("schema") or [], data))]
    if isinstance(data, str) and data:  # a result type this reader does not know: as text
        return [new_output("stream", name="stdout", text=data)]
    return []


def _error(command: dict[str, Any]) -> NotebookNode:
    """A failed command as a Jupyter error: ``NameError: name 'x' …`` → ename, evalue."""
    summary = _ANSI.sub("", str(command.get("errorSummary") or "Error: the cell failed"))
    ename, _, evalue = summary.partition(": ")
    if not re.fullmatch(r"[\w.]+", ename):
        ename, evalue = "Error", summary
    trace = str(command.get("error") or summary).splitlines()
    return new_output("error", ename=ename.rsplit(".", 1)[-1], evalue=evalue, traceback=trace)


def apply_model(nb: NotebookNode, model: dict[str, Any]) -> int:
    """Give ``nb``'s code cells the outputs of the run; return how many cells ran.

    Cells and commands match by order (an imported ``.ipynb`` keeps one command per cell,
    markdown included)."""
    commands = sorted(model.get("commands") or [], key=lambda c: c.get("position", 0))
    if len(commands) != len(nb.cells):
        raise WorkspaceStateError(
            f"The exported run has {len(commands)} cells, the notebook {len(nb.cells)}: "
            "was the notebook changed in the workspace while it ran?"
        )
    ran = 0
    for cell, command in zip(nb.cells, commands, strict=True):
        if cell.cell_type != "code":
            continue
        state = command.get("state")
        if state not in ("finished", "error"):
            cell.outputs, cell.execution_count = [], None
            continue
        ran += 1
        cell.execution_count = ran
        cell.outputs = _outputs(command.get("results"))
        if state == "error":
            cell.outputs.append(_error(command))
            cell.setdefault("metadata", {}).setdefault("papermill", {})["exception"] = True
    return ran
