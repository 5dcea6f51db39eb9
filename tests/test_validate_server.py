"""Validate's progress as the course's server extension reports it: one event when Validate
starts, one per code cell, one at the end, each valid against the registered schema and
worded in the notebook's language. (The browser test sees them in JupyterLab.)"""

from __future__ import annotations

import asyncio
from pathlib import Path

import nbformat
from jupyter_events import EventLogger

from grader.grading.validate_server import SCHEMA, SCHEMA_ID, Progress

REPO = Path(__file__).parents[1]


class _Handler:
    """What Progress reads of nbgrader's handler: the server's root and its event logger."""

    def __init__(self, root, logger) -> None:
        self.root_dir = str(root)
        self.settings = {"event_logger": logger}


def _notebook(cells: int, lang: str | None = None):
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_markdown_cell("# Step")]
    notebook.cells += [nbformat.v4.new_code_cell(f"x = {i}") for i in range(cells)]
    if lang:
        notebook.metadata["mlflow_lab"] = {"language": lang}
    return notebook


async def _validate(tmp_path, path: str, notebook, ran: int, success: bool) -> list[dict]:
    """Run Progress's hooks as nbclient calls them, from a worker thread; the events seen."""
    (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, tmp_path / path)
    seen: list[dict] = []
    logger = EventLogger()
    logger.register_event_schema(SCHEMA)

    async def listener(logger, schema_id, data) -> None:
        seen.append({"schema_id": schema_id, **data})

    logger.add_listener(schema_id=SCHEMA_ID, listener=listener)
    progress = Progress(_Handler(tmp_path, logger), path)

    def run() -> None:  # nbclient's hooks run where nbgrader's Validate runs: a worker thread
        progress.on_notebook_start(notebook=notebook)
        for index in range(ran):
            progress.on_cell_complete(cell=None, cell_index=index)

    await asyncio.get_running_loop().run_in_executor(None, run)
    progress.finished({"success": success})
    for _ in range(20):  # the events were handed to the loop; let their listeners run
        await asyncio.sleep(0.01)
    return seen


def test_an_event_at_the_start_after_each_cell_and_at_the_end(tmp_path):
    seen = asyncio.run(_validate(tmp_path, "mlflow_lab/04_mlflow_run.ipynb", _notebook(3), 3, True))
    assert [e["phase"] for e in seen] == ["start", "cell", "cell", "cell", "done"]
    assert (
        seen[0]["message"]
        == "Validate is running 04_mlflow_run from the top in a copy of your lab…"
    )
    assert (
        seen[2]["message"] == "Validate is running 04_mlflow_run in a copy of your lab: cell 2 of 3"
    )
    assert (seen[2]["cell"], seen[2]["cells"]) == (2, 3)
    assert seen[-1]["message"].startswith("Validate ran 04_mlflow_run to the end (3 cells, ")


def test_a_validate_that_stops_says_where(tmp_path):
    seen = asyncio.run(_validate(tmp_path, "mlflow_lab/02_cluster.ipynb", _notebook(4), 1, False))
    assert seen[-1]["message"] == "Validate stopped in 02_cluster after 1 of 4 cells"


def test_a_korean_notebook_hears_korean(tmp_path):
    """The language of the notebook's edition: its metadata (a Korean notebook moved
    elsewhere), or its folder (course/ko/...)."""
    by_metadata = asyncio.run(
        _validate(tmp_path, "anywhere/03_data_prep.ipynb", _notebook(2, "ko"), 2, True)
    )
    assert by_metadata[1]["message"] == (
        "검증(Validate)이 실습 사본에서 03_data_prep을(를) 실행하고 있습니다: 셀 2개 중 1번째"
    )
    by_folder = asyncio.run(
        _validate(tmp_path, "ko/mlflow_lab/01_provision.ipynb", _notebook(1), 1, True)
    )
    assert by_folder[-1]["message"].startswith(
        "검증(Validate)이 01_provision을(를) 끝까지 실행했습니다"
    )


def test_the_built_plugin_listens_for_the_servers_events():
    """The plugin JupyterLab loads (built from labextension/index.js, committed) waits for
    the schema the server emits: a mismatch shows no progress, and no error anywhere."""
    from grader.jupyter import JUPYTER_DATA

    source = (REPO / "labextension" / "index.js").read_text(encoding="utf-8")
    built = JUPYTER_DATA / "labextensions" / "mlflow-lab-validate-progress" / "static"
    chunks = "".join(path.read_text(encoding="utf-8") for path in built.glob("*.js"))
    assert f"'{SCHEMA_ID}'" in source
    assert SCHEMA_ID in chunks and "apputils:update-notification" in chunks
