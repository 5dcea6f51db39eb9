"""The ``grader`` package as a wheel the cluster installs, so notebooks import it there.

Built from the installed package's own files (no build tool, no network): a pure-Python
wheel whose version carries a hash of the sources, so a changed package is a new file and
an unchanged one is uploaded once. It declares the one dependency Databricks' ML runtime
lacks (the penguin data set package); pyspark, mlflow and databricks-sdk are the cluster's.
"""

from __future__ import annotations

import base64
import hashlib
import io
import zipfile
from pathlib import Path

import grader

DIST = "mlflow_lab_grader"
REQUIRES = ["palmerpenguins>=0.1.6,<0.2"]


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
