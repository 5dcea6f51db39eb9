"""Find a Java that Spark 4 can use, or say exactly how to get one.

Stdlib only: the noxfile loads this file on its own to stop a session *before* it spends
minutes installing packages on a machine where Spark could never start.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

#: Spark 4 runs on Java 17 and 21 (the releases it is built and tested with).
SUPPORTED = (17, 21)

INSTALL_HINT = """\
Spark needs Java 17 or 21, and none was found{why}.
Install one, then run the command again:
  Debian/Ubuntu:  sudo apt-get install -y openjdk-17-jre-headless
  macOS:          brew install openjdk@17   (then follow brew's note to link it)
  conda:          conda install -c conda-forge openjdk=17
If Java is installed somewhere else, point JAVA_HOME at it (JAVA_HOME/bin/java must exist)."""


@dataclass(frozen=True)
class Java:
    """A Java runtime that was found and asked for its version."""

    executable: Path
    major: int
    version_line: str


class JavaUnusable(RuntimeError):
    """Raised (as ``grader.exceptions.JavaNotFoundError`` when the package is importable)."""


def _error(why: str) -> Exception:
    message = INSTALL_HINT.format(why=why)
    try:
        from grader.exceptions import JavaNotFoundError
    except ImportError:  # loaded standalone by the noxfile
        return JavaUnusable(message)
    return JavaNotFoundError(message)


def candidates(environ: dict[str, str] | None = None) -> list[Path]:
    """Where Spark itself would look: ``$JAVA_HOME/bin/java`` first, then ``java`` on PATH."""
    environ = os.environ if environ is None else environ
    found = []
    if environ.get("JAVA_HOME"):
        found.append(Path(environ["JAVA_HOME"]) / "bin" / "java")
    on_path = shutil.which("java", path=environ.get("PATH"))
    if on_path:
        found.append(Path(on_path))
    return found


def parse_major(version_output: str) -> int | None:
    """The major version from ``java -version`` output ('1.8.0_392' is 8, '17.0.15' is 17)."""
    match = re.search(r'version "(\d+)(?:\.(\d+))?', version_output)
    if not match:
        return None
    first, second = int(match.group(1)), match.group(2)
    return int(second) if first == 1 and second else first


def probe(executable: Path) -> Java | None:
    try:
        out = subprocess.run(
            [str(executable), "-version"], capture_output=True, text=True, timeout=30
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    text = out.stderr + out.stdout
    major = parse_major(text)
    if out.returncode != 0 or major is None:
        return None
    return Java(executable, major, text.strip().splitlines()[0])


def require_java(environ: dict[str, str] | None = None) -> Java:
    """Return the Java Spark will use, or raise with install instructions.

    Spark uses ``JAVA_HOME`` when it is set, so a broken ``JAVA_HOME`` is an error even
    when another Java is on PATH: the message names it.
    """
    environ = os.environ if environ is None else environ
    paths = candidates(environ)
    if not paths:
        raise _error(" (no JAVA_HOME and no 'java' on PATH)")
    first = probe(paths[0])
    if first is None:
        raise _error(f" ({paths[0]} does not run)")
    if first.major < SUPPORTED[0]:
        raise _error(f" ({first.executable} is Java {first.major}, too old)")
    return first


def main() -> int:
    try:
        java = require_java()
    except Exception as exc:  # printed for humans, no traceback
        print(exc, file=sys.stderr)
        return 3
    print(f"Java {java.major} at {java.executable}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
