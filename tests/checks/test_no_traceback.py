"""No learner-facing cell ends in a traceback from the course's own code: re-running step
06's deploy cell, in a real IPython shell, shows the message that says what to do and no
frame of ``grader/lab/serving.py``."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.config import Settings
from grader.lab import Lab
from grader.lab.records import RecordStore


@pytest.fixture
def shell():
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    yield shell
    InteractiveShell.clear_instance()


def test_re_running_the_deploy_cell_shows_the_message_only(shell, lab_home: Path, capsys):
    lab = Lab(Settings(home=str(lab_home), user="alice@example.com"))
    # The endpoint the cell's first run made (its record; no process is needed to refuse).
    RecordStore(lab.workspace.serving_endpoints.home.endpoints).put(
        "predict-penguin", {"name": "predict-penguin", "port": 1, "pid": 1}
    )
    shell.user_ns.update(w=lab.workspace)
    shell.run_cell(
        "from databricks.sdk.service.serving import EndpointCoreConfigInput, ServedEntityInput\n"
        "w.serving_endpoints.create_and_wait(name='predict-penguin', config=EndpointCoreConfig"
        "Input(name='predict-penguin', served_entities=[ServedEntityInput(entity_name="
        "'Penguin Predictor', entity_version='1')]))"
    )
    shown = capsys.readouterr().out
    assert "Endpoint 'predict-penguin' already exists: delete it first" in shown
    assert "serving.py" not in shown and "Traceback" not in shown
