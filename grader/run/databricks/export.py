"""Reading a notebook run back from the workspace: ``jobs.export_run`` → Jupyter outputs.

Databricks exports a run as HTML with the notebook's model embedded in a script,
``var __DATABRICKS_NOTEBOOK_MODEL = '<base64 of the URL-encoded JSON>'``. The API documents
only that ``ExportRunOutput.views`` hold HTML, one per view (databricks-sdk-py 0.162,
``service/jobs.py``, which points to Databricks' ``extract.py`` at
docs.databricks.com/en/_static/examples/extract.py, not read here). The rest, what this
module assumes, is what Databricks' own tooling reads and Databricks' own exported runs hold:

- databricks-demos/dbdemos (commit 02f30ec, 2026-06): ``dbdemos/packager.py`` exports each
  task run with ``2.1/jobs/runs/export`` (``views_to_export=ALL``) and keeps
  ``views[0].content``; ``dbdemos/notebook_parser.py`` decodes the model as base64, then
  URL-decoding, then JSON, and reads ``commands``, a ``table`` result's ``data`` as rows of
  values and a ``listResults`` item as ``{"type": "ansi", "data": ...}``;
  ``ai_release/jobs.py`` reads a failed cell of a job run from ``state == "error"``,
  ``errorSummary`` and ``error`` (with ANSI codes), and skips the cells after it, whose
  ``errorSummary`` is ``"Command skipped"``.
- the same repository at commit 5dae0fa (2024-05, ``dbdemos/bundles/*/install_package/``):
  HTML that ``packager.py`` exported from job runs. Its results: ``listResults`` of
  ``ansi`` items (``name`` ``stdout`` or ``stderr``), ``mimeBundle`` items (``data`` maps a
  MIME type to a string, ``image/png`` as bare base64, or to JSON), ``image`` items whose
  ``data`` is a ``data:image/png;base64,…`` URL, ``htmlSandbox`` items (HTML), ``table``
  results (``schema`` of ``{name, type}``, ``data`` rows, ``overflow``), ``raw``; markdown
  cells ``%md`` with no results; a failed Python cell's ``errorSummary`` as HTML
  (``<span class='ansi-red-fg'>NameError</span>: name 'x' is not defined``) and its
  ``error`` as the ANSI traceback; a ``%run`` cell whose notebook raised is ``finished``
  with an ``errorSummary``.
- databricks/tech-talks (commit 72340dd, 2021): older exported notebooks add ``html``
  results, ``images`` (a list of ``image`` items) and HTML-escaped summaries.

This module turns those into the executed notebook's outputs, so papermill's own checks
name the failed cell, and keeps rich outputs rich: a ``mimeBundle`` result keeps every
representation (HTML, PNG, text), a ``table`` (``display(df)``) becomes an HTML table.
Cells and commands match by order (an imported ``.ipynb`` keeps one command per cell,
markdown included: our assumption, which the sources above, exported from ``.py`` source
notebooks, neither confirm nor contradict).
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
_TAG = re.compile(r"<[^>]+>")
_DATA_URL = re.compile(r"data:([\w.+-]+/[\w.+-]+);base64,(.*)", re.S)
#: the ``errorSummary`` of a cell a job run did not reach because an earlier cell failed
SKIPPED = "Command skipped"


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


def _plain(text: str) -> str:
    """An ``errorSummary`` or HTML trace as text: no ANSI codes, no tags, entities decoded."""
    return html.unescape(_TAG.sub("", _ANSI.sub("", text)))


def _image(data: str) -> dict[str, str]:
    """An ``image`` result: a ``data:<mime>;base64,<payload>`` URL, or bare base64 PNG."""
    found = _DATA_URL.fullmatch(data.strip())
    return {found.group(1): found.group(2)} if found else {"image/png": data}


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
        name = results.get("name") if results.get("name") in ("stdout", "stderr") else "stdout"
        return [new_output("stream", name=name, text=_ANSI.sub("", str(data)))]
    if kind == "mimeBundle" and isinstance(data, dict) and data:  # every representation
        return [new_output("display_data", data={m: _mime_value(v) for m, v in data.items()})]
    if kind in ("html", "htmlSandbox") and data:
        return [new_output("display_data", data={"text/html": str(data)})]
    if kind == "image" and data:
        return [new_output("display_data", data=_image(str(data)))]
    if kind == "images" and isinstance(data, list):
        return [out for item in data for out in _outputs(item)]
    if kind == "table" and data:
        return [new_output("display_data", data=_table(results.get("schema") or [], data))]
    if isinstance(data, str) and data:  # a result type this reader does not know: as text
        return [new_output("stream", name="stdout", text=data)]
    return []


def _error(command: dict[str, Any]) -> NotebookNode:
    """A failed command as a Jupyter error: ``NameError: name 'x' …`` → ename, evalue."""
    summary = _plain(str(command.get("errorSummary") or "Error: the cell failed")).strip()
    ename, _, evalue = summary.partition(": ")
    if not re.fullmatch(r"[\w.]+", ename):
        ename, evalue = "Error", summary
    trace = str(command.get("error") or summary)
    if command.get("errorTraceType") == "html" or trace.lstrip().startswith("<"):
        trace = _plain(trace)
    trace = trace.splitlines()
    return new_output("error", ename=ename.rsplit(".", 1)[-1], evalue=evalue, traceback=trace)


def apply_model(nb: NotebookNode, model: dict[str, Any]) -> int:
    """Give ``nb``'s code cells the outputs of the run; return how many cells ran.

    Cells and commands match by order. A cell ran if its command is ``finished`` or
    ``error``, but not one a failure before it skipped (``errorSummary`` ``Command
    skipped``); it failed if its state is ``error`` or it has an ``errorSummary`` (a
    ``%run`` whose notebook raised stays ``finished``)."""
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
        state, summary = command.get("state"), command.get("errorSummary")
        if state not in ("finished", "error") or summary == SKIPPED:
            cell.outputs, cell.execution_count = [], None
            continue
        ran += 1
        cell.execution_count = ran
        cell.outputs = _outputs(command.get("results"))
        if state == "error" or summary:
            cell.outputs.append(_error(command))
            cell.setdefault("metadata", {}).setdefault("papermill", {})["exception"] = True
    return ran
