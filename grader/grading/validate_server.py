"""nbgrader's Validate, off the server's event loop, telling how far it has run.

nbgrader's Validate handler runs the whole notebook inside the Jupyter server's event loop:
for the tens of seconds a Spark notebook takes, the server answers nothing else (the
learner's other notebooks stall, the file browser freezes) and the learner sees only a
grey "Validating...". This Jupyter server extension serves the same URL with nbgrader's own
handler, run in a worker thread, and emits one Jupyter server event (``jupyter_events``)
when Validate starts, after each cell it ran and when it is done. The course's JupyterLab
plugin (``labextension/``, built into ``grader/jupyter_data``) shows them as one
notification that counts the cells, in the notebook's language.

The cells are counted through nbclient's hooks (``on_notebook_start``,
``on_cell_complete``), set on nbgrader's ``Execute`` preprocessor through its
configuration. ``grader lab`` enables this extension and disables nbgrader's
``validate_assignment`` (:data:`SERVER_EXTENSIONS`).
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

from nbgrader.server_extensions.validate_assignment.handlers import (
    NbGraderVersionHandler,
    ValidateAssignmentHandler,
)
from tornado import web

from grader.checks.i18n import edition_language, notebook_language, translate

#: The events' schema: ``$id`` names it (``.invalid`` is a name that never resolves).
SCHEMA_ID = "https://mlflow-lab.invalid/events/validate-progress"
SCHEMA = {
    "$id": SCHEMA_ID,
    "version": "1",
    "title": "Validate's progress",
    "description": "How far nbgrader's Validate has run a notebook, for the learner to see.",
    "type": "object",
    "properties": {
        "path": {"type": "string", "description": "The notebook, from the server's root."},
        "phase": {"enum": ["start", "cell", "done"]},
        "cell": {"type": "integer", "description": "Code cells run so far."},
        "cells": {"type": "integer", "description": "Code cells in the notebook."},
        "message": {"type": "string", "description": "What the learner reads."},
    },
    "required": ["path", "phase", "message"],
}

#: ``c.ServerApp.jpserver_extensions`` for ``grader lab``: this one in place of nbgrader's
#: validate extension, which would serve the same URL from the event loop.
SERVER_EXTENSIONS = {
    "grader.grading.validate_server": True,
    "nbgrader.server_extensions.validate_assignment": False,
}

STARTED = "Validate is running {notebook} from the top in a copy of your lab…"
RUNNING = "Validate is running {notebook} in a copy of your lab: cell {cell} of {cells}"
DONE = "Validate ran {notebook} to the end ({cells} cells, {seconds:.0f} s)"
STOPPED = "Validate stopped in {notebook} after {cell} of {cells} cells"


class Progress:
    """What one Validate tells: events sent to the server's loop from the worker thread
    (``jupyter_events`` schedules its listeners on the running loop, so it must emit
    there)."""

    def __init__(self, handler: ValidateAssignmentHandler, path: str) -> None:
        self._loop = asyncio.get_running_loop()
        self._logger = handler.settings.get("event_logger")
        self.path = path
        self.notebook = Path(path).stem
        full = Path(handler.root_dir) / path
        self.lang = notebook_language(full) or edition_language(str(full)) or "en"
        self.cells = 0
        self.cell = 0
        self.started = time.monotonic()

    def __deepcopy__(self, memo: dict) -> Progress:
        """One Validate, one Progress: traitlets deep-copies what configuration holds,
        and the hooks are this object's methods."""
        return self

    def emit(self, phase: str, message: str) -> None:
        data = {"path": self.path, "phase": phase, "message": message}
        if self.cells:
            data |= {"cell": self.cell, "cells": self.cells}
        if self._logger is not None:
            self._loop.call_soon_threadsafe(
                lambda: self._logger.emit(schema_id=SCHEMA_ID, data=data)
            )

    def say(self, message: str, **values: Any) -> str:
        return translate(message, self.lang, notebook=self.notebook, **values)

    # nbclient's hooks, called in the worker thread
    def on_notebook_start(self, notebook, **_: Any) -> None:
        self.cells = sum(1 for c in notebook.cells if c.cell_type == "code")
        self.cell = 0
        self.emit("start", self.say(STARTED))

    def on_cell_complete(self, cell_index: int, **_: Any) -> None:
        self.cell += 1
        self.emit("cell", self.say(RUNNING, cell=self.cell, cells=self.cells))

    def finished(self, result: dict) -> None:
        seconds = time.monotonic() - self.started
        if result.get("success") and self.cell >= self.cells:
            self.emit("done", self.say(DONE, cells=self.cells, seconds=seconds))
        else:
            self.emit("done", self.say(STOPPED, cell=self.cell, cells=self.cells))


class ValidateHandler(ValidateAssignmentHandler):
    """nbgrader's handler (same URL, same answer), run in a worker thread, with progress."""

    _progress: Progress | None = None

    def load_config(self):
        config = super().load_config()
        if self._progress is not None:
            config.Execute.on_notebook_start = self._progress.on_notebook_start
            config.Execute.on_cell_complete = self._progress.on_cell_complete
        return config

    @web.authenticated
    async def post(self) -> None:
        try:
            path = self.get_argument("path")
        except web.MissingArgumentError:
            path = self.get_json_body()["path"]
        self._progress = Progress(self, path)
        output = await asyncio.get_running_loop().run_in_executor(
            None, self.validate_notebook, path
        )
        self._progress.finished(output)
        self.finish(json.dumps(output))


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "grader.grading.validate_server"}]


def _load_jupyter_server_extension(serverapp) -> None:
    """Serve nbgrader's two Validate URLs and register the progress events' schema."""
    from jupyter_server.utils import url_path_join

    serverapp.event_logger.register_event_schema(SCHEMA)
    web_app = serverapp.web_app
    web_app.settings["root_dir"] = serverapp.root_dir  # nbgrader's handler reads it
    base_url = web_app.settings["base_url"]
    web_app.add_handlers(
        ".*$",
        [
            (url_path_join(base_url, "/assignments/validate"), ValidateHandler),
            (url_path_join(base_url, "/nbgrader_version"), NbGraderVersionHandler),
        ],
    )
    serverapp.log.info("Validate runs off the event loop and reports its progress")
