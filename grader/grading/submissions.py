"""Find a class's submissions and lay them out as nbgrader expects.

An instructor hands us a folder with one folder per student (``<student>/mlflow_lab/*.ipynb``)
or one ``.zip`` per student as an LMS exports it (``<student>.zip`` holding the notebooks,
at any depth). Each becomes ``submitted/<student>/mlflow_lab/`` in the nbgrader course
folder. Nothing in a submission can write outside it: archive members with ``..``, absolute
paths or links are refused, and archive sizes are capped.
"""

from __future__ import annotations

import re
import shutil
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from grader.grading.config import ASSIGNMENT
from grader.lab.steps import STEPS

SAFE_STUDENT = re.compile(r"^[A-Za-z0-9@_][A-Za-z0-9@._-]{0,63}$")
#: An LMS export of seven notebooks is a few MB; anything far larger is not a submission.
MAX_ARCHIVE_BYTES = 200 * 1024 * 1024
MAX_MEMBER_BYTES = 50 * 1024 * 1024
#: Seven notebooks and their checkpoints; a hundred thousand empty members is a bomb too.
MAX_MEMBERS = 1000


@dataclass
class Submission:
    """One student's notebooks, by step name, and what was wrong with the hand-in."""

    student: str
    notebooks: dict[str, Path] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def student_name(raw: str) -> str:
    if not SAFE_STUDENT.fullmatch(raw):
        raise ValueError(
            f"{raw!r} is not a usable student id: use letters, digits and ._-@ "
            "(at most 64, not starting with a dot)."
        )
    return raw


def discover(submissions: Path, staging: Path) -> list[Submission]:
    """Every student in ``submissions`` (folders and zips), unpacked under ``staging``."""
    if not submissions.is_dir():
        raise FileNotFoundError(f"{submissions} is not a folder of submissions.")
    found: dict[str, Submission] = {}
    for entry in sorted(submissions.iterdir()):
        if entry.name.startswith("."):
            continue
        raw = entry.stem if entry.suffix.lower() == ".zip" else entry.name
        try:
            student = student_name(raw)
        except ValueError as exc:
            # Kept, under a safe name of its own, so the student still gets a row.
            slug = _unique(_slug(raw), found)
            found[slug] = Submission(student=slug, problems=[str(exc)])
            continue
        sub = found.setdefault(student, Submission(student=student))
        if entry.is_symlink():
            sub.problems.append(f"{entry.name} is a link; submissions must be real files.")
        elif entry.is_dir():
            _collect(entry, sub)
        elif entry.suffix.lower() == ".zip":
            target = staging / student
            try:
                extract_zip(entry, target)
            except (ValueError, zipfile.BadZipFile, OSError) as exc:
                sub.problems.append(f"{entry.name} could not be unpacked: {exc}")
            else:
                _collect(target, sub)
    return sorted(found.values(), key=lambda s: s.student)


def _slug(raw: str) -> str:
    return re.sub(r"[^A-Za-z0-9@_-]", "_", raw).lstrip("-")[:56] or "unnamed"


def _unique(name: str, taken: dict) -> str:
    candidate, n = name, 1
    while candidate in taken:
        n += 1
        candidate = f"{name}-{n}"
    return candidate


def _collect(folder: Path, sub: Submission) -> None:
    """Find the step notebooks anywhere under ``folder`` (preferring ``mlflow_lab/``)."""

    def preferred(path: Path) -> tuple[bool, Path]:
        return ASSIGNMENT not in path.relative_to(folder).parts, path

    inside = folder.resolve()
    for path in sorted(folder.rglob("*.ipynb"), key=preferred):
        if ".ipynb_checkpoints" in path.parts or path.is_symlink():
            continue
        if not path.resolve().is_relative_to(inside) or not path.is_file():
            continue  # reached through a linked folder: not part of the submission
        if path.stem in STEPS and path.stem not in sub.notebooks:
            sub.notebooks[path.stem] = path


def extract_zip(archive: Path, target: Path) -> None:
    """Unpack ``archive`` into ``target`` refusing path tricks, links and zip bombs."""
    with zipfile.ZipFile(archive) as zf:
        members = zf.infolist()
        if len(members) > MAX_MEMBERS:
            raise ValueError(f"it holds {len(members)} files (limit {MAX_MEMBERS}).")
        total = sum(m.file_size for m in members)
        if total > MAX_ARCHIVE_BYTES:
            raise ValueError(f"it would unpack to {total} bytes (limit {MAX_ARCHIVE_BYTES}).")
        for member in members:
            name = PurePosixPath(member.filename)
            if name.is_absolute() or ".." in name.parts or "\\" in member.filename:
                raise ValueError(f"member {member.filename!r} points outside the archive.")
            if stat.S_ISLNK(member.external_attr >> 16):
                raise ValueError(f"member {member.filename!r} is a link.")
            if member.file_size > MAX_MEMBER_BYTES:
                raise ValueError(f"member {member.filename!r} is too large.")
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True)
        for member in members:
            if member.is_dir():
                continue
            dest = target.joinpath(*PurePosixPath(member.filename).parts)
            dest.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(member) as src, open(dest, "wb") as out:
                _bounded_copy(src, out, limit=MAX_MEMBER_BYTES, name=member.filename)


def _bounded_copy(src, out, *, limit: int, name: str) -> None:
    """Copy, stopping at ``limit`` bytes whatever the archive's header claimed."""
    written = 0
    while chunk := src.read(1 << 20):
        written += len(chunk)
        if written > limit:
            raise ValueError(f"member {name!r} unpacks to more than {limit} bytes.")
        out.write(chunk)
