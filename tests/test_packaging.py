"""The files around the package agree with ``pyproject.toml`` and ``grader.config``.

``environment.yml`` lets conda bring Python and Java and has pip install the project itself,
so every runtime dependency comes from ``pyproject.toml``. These tests fail as soon as one of
the two files says something the other does not.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

from grader.config import Settings
from grader.lab.java import SUPPORTED

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
ENVIRONMENT = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))

#: What conda provides that pyproject.toml cannot declare.
CONDA_ONLY = {"python", "pip", "openjdk"}
#: The pip line that installs the project, with optional extras: "-e .", ".[test]", "-e .[test]".
PROJECT_INSTALL = re.compile(r"^(?:-e\s+)?\.(?:\[(?P<extras>[\w,\s-]+)\])?$")


def _conda_entries() -> list[str]:
    return [dep for dep in ENVIRONMENT["dependencies"] if isinstance(dep, str)]


def _pip_entries() -> list[str]:
    sections = [dep["pip"] for dep in ENVIRONMENT["dependencies"] if isinstance(dep, dict)]
    return [line for section in sections for line in section]


def _runtime_dependencies() -> dict[str, SpecifierSet]:
    return {
        canonicalize_name(req.name): req.specifier
        for req in map(Requirement, PYPROJECT["project"]["dependencies"])
    }


def _conda_spec(entry: str) -> tuple[str, SpecifierSet]:
    """A conda match spec ('python>=3.11', 'openjdk=17', 'pip') as a name and a pip specifier."""
    match = re.fullmatch(r"([A-Za-z0-9_.-]+)\s*(.*)", entry.strip())
    assert match, f"environment.yml: cannot read conda dependency {entry!r}"
    name, constraint = match.groups()
    parts = []
    for part in filter(None, (p.strip() for p in constraint.split(","))):
        if re.fullmatch(r"=?[0-9][\w.]*", part):  # conda's "=17" and bare "17" mean 17.*
            parts.append(f"=={part.lstrip('=').removesuffix('.*')}.*")
        else:
            parts.append(part)
    return canonicalize_name(name), SpecifierSet(",".join(parts))


def test_environment_is_named_and_uses_conda_forge():
    assert ENVIRONMENT["name"] == "mlflow-lab"
    assert ENVIRONMENT["channels"] == ["conda-forge"]


def test_pip_installs_the_project_with_extras_that_exist():
    installs = [m for m in map(PROJECT_INSTALL.match, _pip_entries()) if m]
    assert len(installs) == 1, "environment.yml's pip section must install the project once"
    extras = installs[0]["extras"] or ""
    declared = PYPROJECT["project"].get("optional-dependencies", {})
    for extra in filter(None, (e.strip() for e in extras.split(","))):
        assert extra in declared, f"environment.yml asks for extra [{extra}], pyproject has none"


def test_python_range_matches_requires_python():
    python = dict(map(_conda_spec, _conda_entries()))["python"]
    requires = SpecifierSet(PYPROJECT["project"]["requires-python"])
    assert python == requires, f"environment.yml has python{python}, pyproject.toml {requires}"


def test_java_is_one_spark_supports():
    java = dict(map(_conda_spec, _conda_entries()))["openjdk"]
    majors = [major for major in range(8, 40) if java.contains(f"{major}.0.1")]
    assert majors, f"environment.yml's openjdk{java} matches no Java release"
    assert set(majors) <= set(SUPPORTED), f"openjdk{java} admits Java {majors}, Spark: {SUPPORTED}"


def test_nothing_is_declared_only_in_environment_yml():
    """A package pinned in environment.yml must be a runtime dependency with the same range."""
    runtime = _runtime_dependencies()
    entries = [_conda_spec(e) for e in _conda_entries()]
    entries += [
        (canonicalize_name(req.name), req.specifier)
        for req in (Requirement(line) for line in _pip_entries() if not PROJECT_INSTALL.match(line))
    ]
    for name, specifier in entries:
        if name in CONDA_ONLY:
            continue
        assert name in runtime, f"environment.yml lists {name}; declare it in pyproject.toml"
        assert specifier == runtime[name], (
            f"environment.yml has {name}{specifier}, pyproject.toml has {name}{runtime[name]}"
        )


def _readme_configuration_rows() -> dict[str, str]:
    """The README's Configuration table as {variable: default cell}."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\|\s*`([A-Z0-9_]+)`\s*\|\s*([^|]*?)\s*\|", section, re.MULTILINE)
    return dict(rows)


@pytest.mark.parametrize(
    ("variable", "default"), [(env, default) for env, default, _ in Settings.describe()]
)
def test_readme_documents_every_setting(variable, default):
    rows = _readme_configuration_rows()
    assert variable in rows, f"README.md's Configuration table has no row for {variable}"
    assert rows[variable] == (f"`{default}`" if default else "*(unset)*"), (
        f"README.md gives {variable} the default {rows[variable]}, grader.config says {default!r}"
    )


def test_nox_uses_uv_where_installed_and_venv_otherwise():
    """The README's first command builds its environment with uv when it can (minutes
    faster on a clean clone) and never fails for want of it."""
    import ast

    tree = ast.parse((Path(__file__).resolve().parents[1] / "noxfile.py").read_text())
    backends = [
        node.value.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign)
        and ast.unparse(node.targets[0]) == "nox.options.default_venv_backend"
    ]
    assert backends == ["uv|venv"]
