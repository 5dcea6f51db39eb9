"""Find a class's submissions and lay them out as nbgrader expects.

An instructor hands us a folder with one folder per student (``<student>/mlflow_lab/*.ipynb``)
or one ``.zip`` per student as an LMS exports it (``<student>.zip`` holding the notebooks,
at any depth). Each becomes ``submitted/<student>/mlflow_lab/`` in the nbgrader course
folder. Nothing in a submission can write outside it: archive members with ``..``, absolute
paths or links are refused. Sizes are capped (a hand-in, folder or archive, and each
notebook): past a cap, what it covers scores nothing, with the reason.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from grader.grading.config import ASSIGNMENT
from grader.grading.results import TOO_LARGE
from grader.lab.steps import STEPS

#: The one rule for a student's id (a hand-in's name, and every file named after it): ASCII
#: letters, digits and ``._-@``, not starting with a dot or a dash (nothing that climbs out
#: of a folder, hides, or means something to a shell or a URL), at most this long.
MAX_STUDENT_ID = 64
SAFE_STUDENT = re.compile(rf"^[A-Za-z0-9@_][A-Za-z0-9@._-]{{0,{MAX_STUDENT_ID - 1}}}$")
MIB = 1024 * 1024
#: An LMS export of seven notebooks is a few MB; anything far larger is not a submission.
#: The cap holds for a folder as for an archive unpacked.
MAX_HAND_IN_BYTES = 100 * MIB
MAX_MEMBER_BYTES = 50 * MIB
#: A course notebook with its outputs is tens of KB; every reader of a hand-in (nbformat,
#: the tamper scan, the restorer) holds it whole in memory, several times over.
MAX_NOTEBOOK_BYTES = 20 * MIB
#: Seven notebooks and their checkpoints; a hundred thousand empty members is a bomb too.
MAX_MEMBERS = 1000


class TooLarge(ValueError):
    """A hand-in past one of the size caps above."""


@dataclass
class Submission:
    """One student's notebooks, by step name, and what was wrong with the hand-in.

    ``refused`` holds the steps handed in but not to be graded, with the reason each scores
    nothing (a notebook or a whole hand-in past a size cap)."""

    student: str
    notebooks: dict[str, Path] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)


def student_name(raw: str) -> str:
    """``raw`` if it is a usable student id (:data:`SAFE_STUDENT`), else :class:`ValueError`."""
    if not SAFE_STUDENT.fullmatch(raw):
        raise ValueError(
            f"{raw!r} is not a usable student id: use letters, digits and ._-@ "
            f"(at most {MAX_STUDENT_ID}, not starting with a dot)."
        )
    return raw


def is_hand_in(entry: Path) -> bool:
    """A student's folder or ``.zip`` (a link to either counts, and is refused later)."""
    if entry.name.startswith("."):
        return False
    return entry.is_dir() or entry.suffix.lower() == ".zip"


def not_hand_ins(submissions: Path) -> list[str]:
    """The names of what lies beside the hand-ins and is not one (a README, a stray
    notebook, a spreadsheet): listed for the instructor, never graded as a student.
    Hidden files (``.DS_Store``) are left out."""
    return sorted(
        e.name for e in submissions.iterdir() if not e.name.startswith(".") and not is_hand_in(e)
    )


def discover(submissions: Path, staging: Path) -> list[Submission]:
    """Every student in ``submissions`` (folders and zips), unpacked under ``staging``.

    Student ids are unique ignoring case (:func:`student_ids`), so no two hand-ins share a
    file anywhere, on any file system."""
    if not submissions.is_dir():
        raise FileNotFoundError(f"{submissions} is not a folder of submissions.")
    entries = [e for e in sorted(submissions.iterdir()) if is_hand_in(e)]
    found: list[Submission] = []
    for entry, (student, problems) in student_ids(entries).items():
        sub = Submission(student=student, problems=problems)
        found.append(sub)
        if not SAFE_STUDENT.fullmatch(_raw_name(entry)):
            continue  # kept under a safe name of its own, so the student still gets a row
        if entry.is_symlink():
            sub.problems.append(f"{entry.name} is a link; submissions must be real files.")
        elif entry.is_dir():
            size = folder_size(entry, limit=MAX_HAND_IN_BYTES)
            if size > MAX_HAND_IN_BYTES:
                _refuse_all(
                    sub, f"the folder {entry.name} holds more than {_mb(MAX_HAND_IN_BYTES)}"
                )
            else:
                _collect(entry, sub)
        else:
            target = staging / student
            try:
                extract_zip(entry, target)
            except TooLarge as exc:
                _refuse_all(sub, f"{entry.name}: {exc}")
            except (ValueError, zipfile.BadZipFile, OSError) as exc:
                sub.problems.append(f"{entry.name} could not be unpacked: {exc}")
            else:
                _collect(target, sub)
    return sorted(found, key=lambda s: s.student)


def _raw_name(entry: Path) -> str:
    return entry.stem if entry.suffix.lower() == ".zip" and not entry.is_dir() else entry.name


def student_ids(entries: list[Path]) -> dict[Path, tuple[str, list[str]]]:
    """Each hand-in's student id and what was wrong with its name.

    A hand-in keeps its own name unless that is unsafe (it gets a slug of it) or another
    hand-in's name is the same ignoring case (``alice`` and ``ALICE``, or ``alice/`` and
    ``alice.zip``): both are graded, one keeps the name (a lowercase one before others, a
    folder before a zip, then in order of their file names), the others get
    ``<name>-2``, ``<name>-3``, ..., never a name another hand-in has, and each is told why.
    """
    raw = {e: _raw_name(e) for e in entries}
    safe = {e: r for e, r in raw.items() if SAFE_STUDENT.fullmatch(r)}
    groups: dict[str, list[Path]] = {}
    for entry, name in safe.items():
        groups.setdefault(name.casefold(), []).append(entry)
    for group in groups.values():  # who keeps the name: a lowercase one, a folder, in order
        group.sort(key=lambda e: (raw[e] != raw[e].lower(), not e.is_dir(), e.name))
    taken = set(groups)  # every safe name is someone's: a renamed hand-in takes none of them
    ids: dict[Path, tuple[str, list[str]]] = {}
    for entry in entries:
        if entry not in safe:
            try:
                student_name(raw[entry])
            except ValueError as exc:
                ids[entry] = (_unique(_slug(raw[entry]), taken), [str(exc)])
            continue
        group = groups[safe[entry].casefold()]
        if entry == group[0]:  # the one keeping the name (alone, or first of a clash)
            ids[entry] = (safe[entry], [])
        else:
            ids[entry] = (_unique(safe[entry], taken), [])
    for group in (g for g in groups.values() if len(g) > 1):
        graded_as = ", ".join(f"{e.name} as {ids[e][0]!r}" for e in group)
        for entry in group:
            ids[entry][1].append(
                f"hand-ins {' and '.join(e.name for e in group)} have the same name ignoring"
                f" case, so their files would clash: each is graded on its own ({graded_as});"
                " check which is this student's."
            )
    return ids


def folder_size(folder: Path, *, limit: int) -> int:
    """Bytes of the files under ``folder`` (links not followed), counted until past
    ``limit``: a huge hand-in is refused without reading all of it."""
    total = 0
    for root, dirs, files in os.walk(folder):
        for name in files + dirs:
            try:
                info = os.lstat(os.path.join(root, name))
            except OSError:
                continue
            total += info.st_size if stat.S_ISREG(info.st_mode) else 0
            if total > limit:
                return total
    return total


def _refuse_all(sub: Submission, why: str) -> None:
    sub.problems.append(f"{why}; nothing of it is graded.")
    sub.notebooks.clear()
    sub.refused = {step: f"{TOO_LARGE}: {why}" for step in STEPS}


def _mb(size: int) -> str:
    return f"{size / MIB:g} MB"


def _slug(raw: str) -> str:
    return re.sub(r"[^A-Za-z0-9@_-]", "_", raw).lstrip("-")[:56] or "unnamed"


def _unique(name: str, taken: set[str]) -> str:
    """``name``, or ``name-2``, ``name-3``, ...: the first no one has (ignoring case);
    the name returned is then taken. A long name is shortened to keep the suffix within
    :data:`MAX_STUDENT_ID`."""
    candidate, n = name, 1
    while candidate.casefold() in taken:
        n += 1
        suffix = f"-{n}"
        candidate = name[: MAX_STUDENT_ID - len(suffix)] + suffix
    taken.add(candidate.casefold())
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
        if path.stem not in STEPS or path.stem in sub.notebooks or path.stem in sub.refused:
            continue
        size = path.stat().st_size
        if size > MAX_NOTEBOOK_BYTES:
            sub.refused[path.stem] = (
                f"{TOO_LARGE}: {path.name} is {_mb(size)} (limit {_mb(MAX_NOTEBOOK_BYTES)})"
            )
        else:
            sub.notebooks[path.stem] = path


def extract_zip(archive: Path, target: Path) -> None:
    """Unpack ``archive`` into ``target`` refusing path tricks, links and zip bombs."""
    with zipfile.ZipFile(archive) as zf:
        members = zf.infolist()
        if len(members) > MAX_MEMBERS:
            raise TooLarge(f"it holds {len(members)} files (limit {MAX_MEMBERS}).")
        total = sum(m.file_size for m in members)
        if total > MAX_HAND_IN_BYTES:
            raise TooLarge(f"it would unpack to {total} bytes (limit {MAX_HAND_IN_BYTES}).")
        for member in members:
            name = PurePosixPath(member.filename)
            if name.is_absolute() or ".." in name.parts or "\\" in member.filename:
                raise ValueError(f"member {member.filename!r} points outside the archive.")
            if stat.S_ISLNK(member.external_attr >> 16):
                raise ValueError(f"member {member.filename!r} is a link.")
            if member.file_size > MAX_MEMBER_BYTES:
                raise TooLarge(f"member {member.filename!r} is too large.")
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
            raise TooLarge(f"member {name!r} unpacks to more than {limit} bytes.")
        out.write(chunk)
