"""In a real browser: the learner runs all of step 02 in JupyterLab, then runs all of it
again, as learners do. The second run reuses the cluster and says so; the lab home's records,
read outside the browser and the kernel, hold exactly one cluster of the lab's name.

One JupyterLab server (as ``grader lab`` starts it) on a course folder holding the solution
of 02; Debian's chromium. Screenshots go to ``build/test-artifacts/browser/``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import nbformat
import pytest

from grader.config import Settings
from grader.grading.isolation import kill_processes_of, processes_of
from grader.lab.home import LabHome
from grader.lab.records import RecordStore
from tests.browser.test_lab_in_browser import (
    ARTIFACTS,
    TOKEN,
    browser_page,
    chromium,
    jupyter_lab,
    run_all,
)
from tests.notebooks.conftest import SOLUTIONS

pytestmark = pytest.mark.slow

NOTEBOOK = "02_cluster"
USER = "learner"
CLUSTER_NAME = f"{USER}'s cluster"  # the lab's name: display name (the user, locally) + 's cluster


@pytest.fixture
def lab(tmp_path, lab_home, monkeypatch) -> Iterator[dict]:
    """JupyterLab on a course folder holding the solution of 02, on a fresh lab home; the
    server, its kernels and their Spark stopped afterwards."""
    executable = chromium()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    monkeypatch.setenv("MLFLOW_LAB_USER", USER)
    root = tmp_path / "course"
    (root / "mlflow_lab").mkdir(parents=True)
    notebook = nbformat.read(SOLUTIONS / f"{NOTEBOOK}.ipynb", as_version=4)
    nbformat.write(notebook, root / "mlflow_lab" / f"{NOTEBOOK}.ipynb")
    try:
        with jupyter_lab(root, tmp_path) as (url, _):
            yield {"chromium": executable, "lab": url, "home": lab_home}
    finally:
        deadline = time.monotonic() + 20
        while processes_of(lab_home) and time.monotonic() < deadline:
            time.sleep(0.5)
        left = kill_processes_of(lab_home)
        assert not left, f"processes of the lab home outlived the test: {left}"


def last_count(page) -> int:
    """The highest execution count the notebook's prompts show."""
    texts = page.locator(".jp-CodeCell .jp-InputPrompt").all_inner_texts()
    return max(int(m.group(1)) for t in texts if (m := re.search(r"\[(\d+)\]", t)))


def test_run_all_twice_reuses_the_one_cluster(lab):
    assert Settings.from_env().user_name == USER
    with browser_page(lab["chromium"], "rerun-failure.png") as page:
        page.goto(f"{lab['lab']}/lab/tree/mlflow_lab/{NOTEBOOK}.ipynb?token={TOKEN}")
        page.locator(".jp-Notebook .jp-Cell").first.wait_for(timeout=60_000)
        page.get_by_text(re.compile(r"\| Idle")).first.wait_for(timeout=60_000)  # kernel up
        create = page.locator(".jp-CodeCell", has_text="create_and_wait(").locator(
            ".jp-OutputArea-output"
        )
        run_all(page)
        first = "\n".join(create.all_inner_texts())
        page.screenshot(path=ARTIFACTS / "rerun-02-first.png")
        run_all(page, after=last_count(page))
        again = "\n".join(create.all_inner_texts())
        create.first.scroll_into_view_if_needed()
        page.screenshot(path=ARTIFACTS / "rerun-02-again.png")
        checks = page.locator(".jp-OutputArea-output", has_text="checks passed").all_inner_texts()

    # Outside the browser and the kernel: the lab home's records of clusters.
    records = list(RecordStore(LabHome(lab["home"]).clusters))
    named = [r for r in records if r["cluster_name"] == CLUSTER_NAME]
    assert len(named) == 1, f"clusters named {CLUSTER_NAME!r}: {named}"
    [cluster] = named
    assert cluster["state"] == "RUNNING"
    assert first.splitlines() == [f"{CLUSTER_NAME} RUNNING"], first  # the first run created it
    reused = f"Reusing your cluster {CLUSTER_NAME!r} ({cluster['cluster_id']}), RUNNING."
    assert again.splitlines() == [reused, f"{CLUSTER_NAME} RUNNING"], again
    # Both self-checks passed again on the reused cluster (cluster.spec, cluster.running).
    counts = [re.search(r"(\d+)/(\d+) checks passed", c) for c in checks]
    assert len(counts) == 2 and all(m and m[1] == m[2] for m in counts), checks
