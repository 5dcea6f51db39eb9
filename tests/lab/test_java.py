"""Finding a Java for Spark, and saying how to install one when there is none."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from grader.exceptions import JavaNotFoundError
from grader.lab.java import INSTALL_HINT, candidates, parse_major, require_java

JAVA_8 = """\
openjdk version "1.8.0_392"
OpenJDK Runtime Environment (Temurin)(build 1.8.0_392-b08)
OpenJDK 64-Bit Server VM (Temurin)(build 25.392-b08, mixed mode)
"""
JAVA_17 = """\
openjdk version "17.0.15" 2025-04-15
OpenJDK Runtime Environment (build 17.0.15+6-Debian-1deb12u1)
OpenJDK 64-Bit Server VM (build 17.0.15+6-Debian-1deb12u1, mixed mode, sharing)
"""
JAVA_21 = """\
openjdk version "21" 2023-09-19
OpenJDK Runtime Environment (build 21+35-2513)
OpenJDK 64-Bit Server VM (build 21+35-2513, mixed mode, sharing)
"""
ORACLE_8 = 'java version "1.8.0_202"\nJava(TM) SE Runtime Environment (build 1.8.0_202-b08)\n'


@pytest.mark.parametrize(
    ("output", "major"),
    [(JAVA_8, 8), (JAVA_17, 17), (JAVA_21, 21), (ORACLE_8, 8), ('openjdk version "11.0.2"', 11)],
)
def test_parse_major(output: str, major: int) -> None:
    assert parse_major(output) == major


@pytest.mark.parametrize("output", ["", "bash: java: command not found", "version 17"])
def test_parse_major_without_a_version(output: str) -> None:
    assert parse_major(output) is None


def fake_java(folder: Path, version_line: str, *, exit_code: int = 0) -> Path:
    """A ``java`` script that answers ``-version`` on stderr, as java does."""
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "java"
    script.write_text(f"#!/bin/sh\necho '{version_line}' >&2\nexit {exit_code}\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return script


def assert_install_hints(message: str) -> None:
    assert "apt-get install" in message  # Debian/Ubuntu
    assert "brew install" in message  # macOS
    assert "conda install" in message
    assert "JAVA_HOME" in message


def test_broken_java_home_is_an_error_with_install_hints(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-jdk"
    environ = {"JAVA_HOME": str(missing), "PATH": os.environ.get("PATH", "")}
    with pytest.raises(JavaNotFoundError) as info:
        require_java(environ)
    message = str(info.value)
    assert_install_hints(message)
    assert str(missing / "bin" / "java") in message


def test_too_old_java_on_path(tmp_path: Path) -> None:
    java = fake_java(tmp_path / "bin", 'openjdk version "11.0.2" 2019-01-15')
    with pytest.raises(JavaNotFoundError) as info:
        require_java({"PATH": str(java.parent)})
    message = str(info.value)
    assert "too old" in message and "Java 11" in message and str(java) in message
    assert_install_hints(message)


def test_no_java_at_all(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(JavaNotFoundError, match="no JAVA_HOME and no 'java' on PATH"):
        require_java({"PATH": str(tmp_path / "empty")})


def test_java_that_fails_to_run(tmp_path: Path) -> None:
    java = fake_java(tmp_path / "bin", 'openjdk version "17.0.15"', exit_code=1)
    with pytest.raises(JavaNotFoundError, match="does not run"):
        require_java({"PATH": str(java.parent)})


def test_good_java_on_path(tmp_path: Path) -> None:
    java = fake_java(tmp_path / "bin", 'openjdk version "17.0.15" 2025-04-15')
    found = require_java({"PATH": str(java.parent)})
    assert (found.major, found.executable) == (17, java)
    assert found.version_line == 'openjdk version "17.0.15" 2025-04-15'


def test_java_home_wins_over_path(tmp_path: Path) -> None:
    old = fake_java(tmp_path / "old" / "bin", 'openjdk version "11.0.2"')
    new = fake_java(tmp_path / "jdk21" / "bin", 'openjdk version "21" 2023-09-19')
    environ = {"JAVA_HOME": str(tmp_path / "jdk21"), "PATH": str(old.parent)}
    assert candidates(environ) == [new, old]
    assert require_java(environ).major == 21


def test_hint_template_has_a_reason_slot() -> None:
    assert "{why}" in INSTALL_HINT
