"""In a real browser: the link step 04 prints under "See your run" opens the learner's run in
the MLflow UI (started as ``grader mlflow-ui`` starts it), and the page shows the run's
metrics with the values MLflow's store holds.

Step 04 runs headless first (papermill, as the notebook tests run it), so the browser part
is short. Debian's chromium; screenshots go to ``build/test-artifacts/browser/``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import papermill
import pytest

from grader.grading.isolation import kill_processes_of
from grader.jupyter import mlflow_ui_command
from grader.lab.home import LabHome
from tests.browser.test_lab_in_browser import (
    ARTIFACTS,
    CLOSE_ASSISTANT,
    browser_page,
    chromium,
    free_port,
    start,
    stop,
    wait_for,
)
from tests.notebooks.conftest import SOLUTIONS, read, stdout_of

pytestmark = pytest.mark.slow

NOTEBOOK = "04_mlflow_run"
#: What step 04 logs (solutions/mlflow_lab/04_mlflow_run.ipynb, the training cell).
METRICS = ("accuracy", "weightedRecall", "weightedPrecision")
RUN_LINK = re.compile(r"Your run in the MLflow UI: (\S+)")


@pytest.fixture
def step_04_ran(tmp_path, lab_home, monkeypatch) -> Iterator[dict]:
    """Step 04's solution run headless in a fresh lab home, its "see your run" link
    pointing at the MLflow UI started afterwards on that lab home."""
    executable = chromium()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    port = free_port()
    monkeypatch.setenv("MLFLOW_LAB_UI_URL", f"http://127.0.0.1:{port}")  # the link's address
    output = tmp_path / f"{NOTEBOOK}.ipynb"
    try:
        papermill.execute_notebook(
            str(SOLUTIONS / f"{NOTEBOOK}.ipynb"),
            str(output),
            parameters={"home": str(lab_home)},
            kernel_name="python3",
            progress_bar=False,
            cwd=str(tmp_path),
        )
    finally:
        kill_processes_of(lab_home)  # nothing of the kernel's Spark outlives papermill
    ui = mlflow_ui_command(port=port)
    server = start(ui.argv, ui.env, tmp_path / "mlflow-ui.log")
    try:
        wait_for(f"http://127.0.0.1:{port}/health", 120, server, tmp_path / "mlflow-ui.log")
        yield {"chromium": executable, "notebook": read(output), "home": lab_home}
    finally:
        stop(server)


def test_the_printed_run_link_shows_the_runs_metrics(step_04_ran):
    import mlflow

    printed = "".join(stdout_of(c) for c in step_04_ran["notebook"].cells)
    links = RUN_LINK.findall(printed)
    assert len(links) == 1, printed
    # What MLflow's store holds, read outside the browser: the one run of step 04.
    client = mlflow.MlflowClient(LabHome(step_04_ran["home"]).tracking_uri)
    [experiment] = client.search_experiments(filter_string="name LIKE '%/mlflow_lab'")
    [run] = client.search_runs([experiment.experiment_id])
    metrics = run.data.metrics
    assert set(METRICS) <= set(metrics), metrics

    with browser_page(step_04_ran["chromium"], "mlflow-run-link-failure.png") as page:
        page.add_init_script(CLOSE_ASSISTANT)
        page.goto(links[0])
        page.get_by_text(run.info.run_id).first.wait_for(timeout=60_000)
        page.get_by_text(METRICS[0]).first.wait_for(timeout=60_000)
        page.screenshot(path=ARTIFACTS / "mlflow-run-link.png", full_page=True)
        text = page.inner_text("body")
    # The run's page, not the experiment's: its id, and its metrics table as the store has it.
    lines = [line.strip() for line in text.splitlines()]
    assert lines[lines.index("Run ID") + 1] == run.info.run_id
    table = metrics_table(lines)
    assert table == {name: str(value) for name, value in metrics.items()}, (table, metrics)


def metrics_table(lines: list[str]) -> dict[str, str]:
    """The run page's **Metrics** table, name to value as shown: the lines between its
    heading, "Metrics (N)", and the next table's, "Parameters (N)"."""
    headings = {line: i for i, line in enumerate(lines) if re.fullmatch(r"\w+ \(\d+\)", line)}
    start = next((i for h, i in headings.items() if h.startswith("Metrics ")), None)
    end = next((i for h, i in headings.items() if h.startswith("Parameters ")), None)
    assert start is not None and end is not None, f"no metrics table on the page: {lines}"
    header, rows = lines[start + 1 : start + 3], lines[start + 3 : end]
    assert header == ["Metric", "Value"], lines[start:end]
    return dict(zip(rows[::2], rows[1::2], strict=True))
