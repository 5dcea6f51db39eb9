"""The learner's two commands: JupyterLab on the course with nbgrader's extensions
configured under build/, and the MLflow UI on the lab home, both on 127.0.0.1."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from grader.exceptions import ConfigError
from grader.jupyter import lab_command, mlflow_ui_command
from tests.notebooks.conftest import COURSE


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A checkout with both editions of the course."""
    shutil.copytree(COURSE.parent, tmp_path / "course")
    return tmp_path


def test_lab_serves_the_course_and_configures_nbgrader_under_build(repo):
    launch = lab_command(repo, lang="ko", port=8899, open_browser=False, token="t")
    argv = " ".join(launch.argv)
    assert f"--ServerApp.root_dir={repo / 'course'}" in argv
    assert "--ServerApp.ip=127.0.0.1" in argv and "--ServerApp.port=8899" in argv
    assert "--LabApp.default_url=/lab/tree/ko/mlflow_lab" in argv
    assert "--IdentityProvider.token=t" in argv
    config_dir = Path(launch.env["JUPYTER_CONFIG_DIR"])
    assert config_dir.is_relative_to(repo / "build")
    config = (config_dir / "nbgrader_config.py").read_text()
    assert "c.CourseDirectory.course_id = 'mlflow-on-databricks'" in config
    assert f"c.CourseDirectory.root = {str(repo / 'course')!r}" in config
    assert "c.Execute.timeout = 300" in config
    # The Assignments list shows the assignment released into the exchange.
    outbound = repo / "build/lab/exchange/mlflow-on-databricks/outbound/mlflow_lab"
    assert sorted(p.name for p in outbound.glob("*.ipynb")) == sorted(
        p.name for p in COURSE.glob("*.ipynb")
    )
    assert "6단계" in (outbound / "06_register_deploy.ipynb").read_text(encoding="utf-8")
    assert "MLFLOW_LAB_LANG" not in launch.env  # each notebook follows its edition


def test_lab_refuses_a_language_without_an_edition(repo):
    with pytest.raises(ConfigError, match="No 'fr' edition"):
        lab_command(repo, lang="fr")


def test_mlflow_ui_reads_the_lab_home_on_loopback(lab_home, monkeypatch):
    monkeypatch.setenv("MLFLOW_LAB_UI_URL", "http://127.0.0.1:5123")
    launch = mlflow_ui_command()
    argv = launch.argv
    assert argv[argv.index("--backend-store-uri") + 1] == f"sqlite:///{lab_home / 'mlflow.db'}"
    assert argv[argv.index("--host") + 1] == "127.0.0.1"
    assert argv[argv.index("--port") + 1] == "5123"
    assert launch.env["MLFLOW_SERVER_ENABLE_JOB_EXECUTION"] == "false"


def test_the_startup_note_names_the_ui_command_the_learner_has(repo, monkeypatch):
    monkeypatch.delenv("MLFLOW_LAB_UI_COMMAND", raising=False)
    assert lab_command(repo, open_browser=False).note.endswith("the MLflow UI: grader mlflow-ui")
    monkeypatch.setenv("MLFLOW_LAB_UI_COMMAND", "python3 -m nox -s mlflow-ui")  # nox -s lab
    note = lab_command(repo, open_browser=False).note
    assert note.endswith("the MLflow UI: python3 -m nox -s mlflow-ui")


def test_learner_mode_hides_the_instructors_tools(repo):
    """Formgrader, Create Assignment and the course list are disabled in JupyterLab's page
    config; the Assignments list and Validate are not."""
    import json

    launch = lab_command(repo, open_browser=False)
    page = Path(launch.env["JUPYTER_CONFIG_DIR"]) / "labconfig" / "page_config.json"
    disabled = json.loads(page.read_text())["disabledExtensions"]
    assert disabled == {
        "@jupyter/nbgrader:formgrader": True,
        "@jupyter/nbgrader:create-assignment": True,
        "@jupyter/nbgrader:course-list": True,
        "@jupyterlab/apputils-extension:announcements": True,  # the news pop-up: offline
    }
    assert not any("assignment-list" in p or "validate" in p for p in disabled)


def test_validate_is_served_by_the_courses_extension_with_its_plugin_on_the_path(repo):
    """nbgrader's validate server extension gives way to the course's (which runs Validate
    off the event loop and reports progress), and JupyterLab finds the course's prebuilt
    plugin through JUPYTER_PATH."""
    import json

    launch = lab_command(repo, open_browser=False)
    config = Path(launch.env["JUPYTER_CONFIG_DIR"]) / "jupyter_server_config.json"
    extensions = json.loads(config.read_text())["ServerApp"]["jpserver_extensions"]
    assert extensions == {
        "grader.grading.validate_server": True,
        "nbgrader.server_extensions.validate_assignment": False,
    }
    data = Path(launch.env["JUPYTER_PATH"].split(os.pathsep)[0])
    plugin = data / "labextensions" / "mlflow-lab-validate-progress"
    built = json.loads((plugin / "package.json").read_text())["jupyterlab"]["_build"]
    assert (plugin / built["load"]).is_file()


def test_validate_runs_in_a_copy_and_the_start_page_says_so(repo):
    """The lab's nbgrader configuration gives Validate's kernel a throwaway lab home
    (grader/grading/validation.py); 00_start tells the learner what Validate does and how long."""
    launch = lab_command(repo, open_browser=False)
    config = (Path(launch.env["JUPYTER_CONFIG_DIR"]) / "nbgrader_config.py").read_text()
    assert (
        'c.Execute.kernel_manager_class = "grader.grading.validation.CopyKernelManager"' in config
    )
    english = (repo / "course/mlflow_lab/00_start.ipynb").read_text(encoding="utf-8")
    korean = (repo / "course/ko/mlflow_lab/00_start.ipynb").read_text(encoding="utf-8")
    assert "throwaway copy" in english and "a minute" in english
    assert "일회용 복사본" in korean and "1~2분" in korean


def test_fetch_puts_the_notebooks_where_the_file_browser_opens_them(repo, tmp_path, monkeypatch):
    """The Assignments list's Fetch (nbgrader's AssignmentList, as its server extension
    calls it, the server started elsewhere) copies the notebooks under JupyterLab's root,
    and the file browser's contents manager opens a fetched notebook by its listed path."""
    from jupyter_server.services.contents.filemanager import FileContentsManager
    from nbgrader.server_extensions.assignment_list.handlers import AssignmentList

    launch = lab_command(repo, open_browser=False)
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", launch.env["JUPYTER_CONFIG_DIR"])
    elsewhere = tmp_path / "started-here"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # `nox -s lab` runs in the checkout, not in course/
    root = repo / "course"
    manager = AssignmentList()
    manager.root_dir = str(root)

    assert manager.fetch_assignment("mlflow-on-databricks", "mlflow_lab") == {"success": True}

    assert list(elsewhere.iterdir()) == []
    [fetched] = manager.list_assignments("mlflow-on-databricks")["value"]
    assert fetched["status"] == "fetched"
    paths = [notebook["path"] for notebook in fetched["notebooks"]]
    assert "assignments/mlflow_lab/01_provision.ipynb" in paths
    opened = FileContentsManager(root_dir=str(root)).get(paths[0])
    assert opened["type"] == "notebook" and opened["content"]["cells"]
