"""The ``grader`` package as a wheel the cluster installs, so notebooks import it there.

Built from the installed package's own files (no build tool, no network): a pure-Python
wheel whose version carries a hash of the sources, so a changed package is a new file and
an unchanged one is uploaded once.

**It installs without replacing the runtime's libraries.** Steps 03-05 must run on the
Databricks Runtime's own Python, pyspark, mlflow, databricks-sdk, pandas and numpy
(:data:`grader.lab.runtimes.RUNTIME_LIBRARIES`): a job library that pulled in our
``pyproject.toml`` pins (pyspark 4.3, mlflow 3.17) would reinstall Spark's Python side and
MLflow under a running cluster, or fail to resolve. So this wheel's metadata is not the
project's: it declares only what the code that runs on a cluster imports and an ML runtime
lacks (the penguin data set package) plus, with no version bounds, small libraries every
ML runtime has (so pip, finding them, keeps the runtime's copies); the runtime libraries
are not declared at all. A job library is installed by pip with its dependencies, and pip's
default "only if needed" strategy then changes nothing that is installed. Everything the
instructor's side needs (nbgrader, papermill, JupyterLab, click, rich) stays out: a
cluster never runs it. ``nox -s dbr`` installs this very wheel over the pins of each
Databricks Runtime ML LTS and fails if any pinned version moved.
"""

from __future__ import annotations

import base64
import hashlib
import io
import zipfile
from pathlib import Path

import grader

DIST = "mlflow_lab_grader"
#: What a cluster lacks, bounded as in pyproject.toml; then what every ML runtime has,
#: unbounded, so that pip keeps the runtime's own copy. Never a runtime library.
REQUIRES = ["palmerpenguins>=0.1.6,<0.2", "filelock", "psutil", "requests"]


def _sources() -> list[tuple[str, bytes]]:
    root = Path(grader.__file__).parent
    files = sorted(
        p
        for p in root.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix not in (".pyc", ".pyo")
    )
    return [(f"grader/{p.relative_to(root).as_posix()}", p.read_bytes()) for p in files]


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def build_wheel() -> tuple[str, bytes]:
    """(file name, bytes) of the wheel; identical sources give an identical wheel."""
    sources = _sources()
    tag = hashlib.sha256(b"".join(n.encode() + d for n, d in sources)).hexdigest()[:10]
    version = f"0.1.0+g{tag}"
    info = f"{DIST}-{version}.dist-info"
    metadata = "\n".join(
        ["Metadata-Version: 2.1", f"Name: {DIST}", f"Version: {version}"]
        + [f"Requires-Dist: {r}" for r in REQUIRES]
    )
    wheel = "Wheel-Version: 1.0\nGenerator: grader\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    files = [*sources, (f"{info}/METADATA", metadata.encode()), (f"{info}/WHEEL", wheel.encode())]
    record = "\n".join([*(_record_line(n, d) for n, d in files), f"{info}/RECORD,,"]) + "\n"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as whl:
        for name, data in [*files, (f"{info}/RECORD", record.encode())]:
            entry = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            whl.writestr(entry, data)
    return f"{DIST}-{version}-py3-none-any.whl", buffer.getvalue()


def write_wheel(folder: Path) -> Path:
    """Write the wheel into ``folder`` (made if missing); its path."""
    name, data = build_wheel()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(data)
    return path


if __name__ == "__main__":
    import sys

    print(write_wheel(Path(sys.argv[1] if len(sys.argv) > 1 else "dist")))
