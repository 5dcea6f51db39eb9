"""In a real browser: JupyterLab (started as ``grader lab`` starts it) runs the Korean
edition of a solution notebook and shows every self-check passed; then the MLflow UI (as
``grader mlflow-ui`` starts it) lists the learner's run and the registered model.

Playwright drives Debian's ``chromium`` (``.ci/run`` installs it; nothing is downloaded).
Screenshots go to ``build/test-artifacts/browser/``.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
import requests

from grader.grading.config import ASSIGNMENT, COURSE_ID
from grader.grading.editions import read_translation, translate, translation_file
from grader.grading.isolation import kill_processes_of, processes_of
from grader.jupyter import lab_command, mlflow_ui_command
from grader.lab import serving
from grader.lab.home import LabHome
from tests.notebooks.conftest import REPO, SOLUTIONS

pytestmark = pytest.mark.slow

NOTEBOOK = "06_register_deploy"  # restores steps 01-05, then registers and serves
ARTIFACTS = REPO / "build" / "test-artifacts" / "browser"
USER = "learner"
TOKEN = "browser-test"
#: Run All on step 06 from an empty lab home: a Spark start, a training run, a model
#: server: about two minutes on two cores. Generous, because CI machines are shared.
RUN_ALL_TIMEOUT = 420
#: The MLflow UI opens its assistant panel on a first visit; it would hide half the page.
CLOSE_ASSISTANT = """
localStorage.setItem("mlflow.assistant.panelOpen_v1", "false");
localStorage.setItem("mlflow.assistant.fab.autoOpenedOnFirstLoad_v1", "true");
"""


def chromium() -> str:
    """Debian's chromium; under CI its absence is a failure, not a skip."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path:
        return path
    message = "Debian's chromium is missing: apt-get install chromium (.ci/run does this)."
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, timeout: float, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{url} exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if requests.get(url, timeout=2).status_code < 500:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.5)
    pytest.fail(f"{url} did not answer in {timeout} s:\n{log.read_text()[-3000:]}")


def start(argv: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    with open(log, "w") as out:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(
            argv, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip


def stop(process: subprocess.Popen) -> None:
    """Stop a server we started, and everything in its process group."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # children that outlived their parent


def lab_settings(folder: Path) -> Path:
    """JupyterLab's user settings for a test: every cell in the DOM (no virtual scrolling,
    so a locator finds each prompt) and no news pop-up over the page."""
    tracker = folder / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings"
    tracker.parent.mkdir(parents=True)
    tracker.write_text('{"windowingMode": "none"}')
    news = folder / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    news.parent.mkdir(parents=True)
    news.write_text('{"fetchNews": "false", "checkForUpdates": false}')
    return folder


@contextlib.contextmanager
def browser_page(executable: str, failure: str, **options) -> Iterator:
    """A page of Debian's chromium, 1400 by 1000 (``options`` go to ``new_page``): when the
    block fails, its screenshot is ``ARTIFACTS/failure``."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, **options)
        try:
            yield page
        except Exception:
            page.screenshot(path=ARTIFACTS / failure)
            raise
        finally:
            browser.close()


@contextlib.contextmanager
def jupyter_lab(root: Path, logs: Path, **options) -> Iterator[tuple[str, subprocess.Popen]]:
    """JupyterLab as ``grader lab`` starts it (``options`` go to ``lab_command``), serving
    ``root``: its URL and process while the block runs; shut down, kernels too, after."""
    port = free_port()
    launch = lab_command(REPO, port=port, open_browser=False, root=root, token=TOKEN, **options)
    settings = lab_settings(logs / "lab-settings")
    jupyter = start(launch.argv, {**launch.env, "JUPYTERLAB_SETTINGS_DIR": str(settings)},
                    logs / "jupyter.log")  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{url}/api/status?token={TOKEN}", 90, jupyter, logs / "jupyter.log")
        yield url, jupyter
    finally:
        with contextlib.suppress(requests.RequestException):  # shuts the kernels down too
            requests.post(f"{url}/api/shutdown", headers={"Authorization": f"token {TOKEN}"},
                          timeout=10)  # fmt: skip
        stop(jupyter)


@pytest.fixture
def browser_env(tmp_path, lab_home, monkeypatch) -> Iterator[dict]:
    """A course folder holding the Korean solution notebook, JupyterLab and the MLflow UI
    on a fresh lab home; everything stopped afterwards, nothing of the lab home left."""
    executable = chromium()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("*.png"):
        old.unlink()
    monkeypatch.setenv("MLFLOW_LAB_USER", USER)
    monkeypatch.delenv("MLFLOW_LAB_LANG", raising=False)  # the edition decides
    root = tmp_path / "course"
    folder = root / "ko" / "mlflow_lab"
    folder.mkdir(parents=True)
    source = nbformat.read(SOLUTIONS / f"{NOTEBOOK}.ipynb", as_version=4)
    korean = translate(source, read_translation(translation_file(SOLUTIONS, "ko", NOTEBOOK)), "ko")
    nbformat.write(korean, folder / f"{NOTEBOOK}.ipynb")
    ui_port = free_port()
    monkeypatch.setenv("MLFLOW_LAB_UI_URL", f"http://127.0.0.1:{ui_port}")  # before the lab
    ui = mlflow_ui_command(port=ui_port)
    mlflow_ui = start(ui.argv, ui.env, tmp_path / "mlflow-ui.log")
    ui_url = f"http://127.0.0.1:{ui_port}"
    try:
        with jupyter_lab(root, tmp_path, lang="ko") as (lab_url, _):
            wait_for(f"{ui_url}/health", 120, mlflow_ui, tmp_path / "mlflow-ui.log")
            yield {"chromium": executable, "lab": lab_url, "ui": ui_url, "home": lab_home}
    finally:
        stop(mlflow_ui)
        serving.stop_all(LabHome(lab_home))
        deadline = time.monotonic() + 20
        while processes_of(lab_home) and time.monotonic() < deadline:
            time.sleep(0.5)
        left = kill_processes_of(lab_home)
        assert not left, f"processes of the lab home outlived the test: {left}"


def run_all(page, *, after: int = 0) -> None:
    """Run → Run All Cells, then wait until every code cell has run (or one failed): its
    prompt shows an execution count above ``after`` (the last count of an earlier Run All)."""
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
    prompts = page.locator(".jp-CodeCell .jp-InputPrompt")
    deadline, quiet = time.monotonic() + RUN_ALL_TIMEOUT, 0
    while time.monotonic() < deadline:
        texts = prompts.all_inner_texts()
        counts = [re.search(r"\[(\d+)\]", t) for t in texts]
        if texts and all(c and int(c.group(1)) > after for c in counts):
            return
        # Nothing running or queued, yet not all run: Run All stopped at an error.
        quiet = quiet + 1 if texts and not any("*" in t for t in texts) else 0
        if quiet >= 3:
            break
        time.sleep(2)
    page.screenshot(path=ARTIFACTS / "notebook-stopped.png")
    pytest.fail(f"not every cell ran: prompts {prompts.all_inner_texts()}")


def test_notebook_checks_pass_and_the_mlflow_ui_shows_the_run(browser_env):
    lab, ui = browser_env["lab"], browser_env["ui"]
    # nbgrader's Assignments list: the course's assignment, released with its start page
    # and its 7 steps.
    listed = requests.get(f"{lab}/assignments", params={"course_id": COURSE_ID}, timeout=30,
                          headers={"Authorization": f"token {TOKEN}"}).json()  # fmt: skip
    assert listed["success"], listed
    assert [(a["assignment_id"], a["status"], len(a["notebooks"])) for a in listed["value"]] == [
        (ASSIGNMENT, "released", 8)
    ]
    with browser_page(browser_env["chromium"], "failure.png", locale="ko-KR") as page:
        page.goto(f"{lab}/lab/tree/ko/mlflow_lab/{NOTEBOOK}.ipynb?token={TOKEN}")
        page.locator(".jp-Notebook .jp-Cell").first.wait_for(timeout=60_000)
        page.get_by_text(re.compile(r"\| Idle")).first.wait_for(timeout=60_000)  # kernel up
        page.screenshot(path=ARTIFACTS / "1-notebook-opened.png")
        run_all(page)

        # Every self-check table: all its checks passed, in Korean.
        tables = page.locator(".jp-OutputArea-output", has_text="개 통과")
        summaries = [t.split("\n")[0] for t in tables.all_inner_texts()]
        counts = [re.search(r"(\d+)개 중 (\d+)개 통과", s) for s in summaries]
        assert len(counts) == 3, summaries  # register, endpoint, endpoint.others (hidden)
        assert all(m and m.group(1) == m.group(2) for m in counts), summaries
        assert "✘" not in "".join(tables.all_inner_texts())
        for i in range(tables.count()):
            tables.nth(i).scroll_into_view_if_needed()
            tables.nth(i).screenshot(path=ARTIFACTS / f"2-self-check-{i + 1}.png")
        picture = page.locator(".jp-Cell", has_text="next to their true species").locator("img")
        picture.scroll_into_view_if_needed()
        assert picture.count() == 1
        page.screenshot(path=ARTIFACTS / "3-endpoint-answers.png")

        # The MLflow UI on the same lab home: the run, then the registered model.
        api = f"{ui}/ajax-api/2.0/mlflow"
        experiment = requests.get(f"{api}/experiments/get-by-name",
                                  params={"experiment_name": f"/Users/{USER}/mlflow_lab"},
                                  timeout=10).json()["experiment"]  # fmt: skip
        runs = requests.post(f"{api}/runs/search", timeout=10,
                             json={"experiment_ids": [experiment["experiment_id"]]}).json()["runs"]  # fmt: skip
        run_id, run_name = runs[0]["info"]["run_id"], runs[0]["info"]["run_name"]
        view = "?workflowType=machine_learning"  # the UI's model-training view
        page.add_init_script(CLOSE_ASSISTANT)
        page.goto(f"{ui}/#/experiments/{experiment['experiment_id']}/runs{view}")
        page.get_by_text(run_name).first.wait_for(timeout=60_000)
        page.screenshot(path=ARTIFACTS / "4-mlflow-runs.png")
        page.goto(f"{ui}/#/experiments/{experiment['experiment_id']}/runs/{run_id}{view}")
        page.get_by_text("Penguin Predictor").first.wait_for(timeout=60_000)
        page.get_by_text("accuracy").first.wait_for(timeout=60_000)
        page.screenshot(path=ARTIFACTS / "5-mlflow-run.png")
        page.goto(f"{ui}/#/models{view}")
        page.get_by_text("Penguin Predictor").first.wait_for(timeout=60_000)
        page.get_by_text("Version 1").first.wait_for(timeout=60_000)
        page.keyboard.press("Escape")  # the "new Model Registry UI" announcement
        page.wait_for_timeout(500)
        page.screenshot(path=ARTIFACTS / "6-mlflow-models.png")
