"""Finding a class's hand-ins: folders, zips, and every way an archive could escape."""

from __future__ import annotations

import io
import random
import struct
import tempfile
import zipfile
from pathlib import Path

import nbformat
import pytest

from grader.grading import submissions
from grader.grading.submissions import _bounded_copy, discover, extract_zip, student_name
from grader.lab.steps import STEPS
from tests.grading.make_submissions import learner_notebook, write_student, zip_student


@pytest.fixture(autouse=True)
def private_tempdir(tmp_path, monkeypatch):
    """zip_student stages notebooks in a mkdtemp folder: keep those out of the shared /tmp."""
    folder = tmp_path / "tempdir"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))


def notebook_bytes(step: str) -> bytes:
    return nbformat.writes(learner_notebook(step)).encode()


def files_under(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if not p.is_dir() and "tempdir" not in p.parts}


def test_discover_finds_folders_zips_and_top_level_notebooks(tmp_path):
    class_dir, staging = tmp_path / "class", tmp_path / "staging"
    alice = write_student(class_dir, "alice", {"01_provision": learner_notebook("01_provision")})
    # Jupyter's autosave copy and a notebook that is no step of the course are not hand-ins.
    (alice / ".ipynb_checkpoints").mkdir()
    (alice / ".ipynb_checkpoints" / "02_cluster.ipynb").write_bytes(notebook_bytes("02_cluster"))
    (alice / "scratch.ipynb").write_bytes(notebook_bytes("02_cluster"))
    zip_student(class_dir, "bob", {"03_data_prep": learner_notebook("03_data_prep")})
    carol = class_dir / "carol"  # notebooks straight in the student's folder
    carol.mkdir()
    (carol / "04_mlflow_run.ipynb").write_bytes(notebook_bytes("04_mlflow_run"))
    write_student(class_dir, ".hidden", {"01_provision": learner_notebook("01_provision")})
    (class_dir / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")

    found = {s.student: s for s in discover(class_dir, staging)}

    assert sorted(found) == ["alice", "bob", "carol"]
    assert all(s.problems == [] for s in found.values())
    assert found["alice"].notebooks == {"01_provision": alice / "01_provision.ipynb"}
    assert found["carol"].notebooks == {"04_mlflow_run": carol / "04_mlflow_run.ipynb"}
    bob = found["bob"].notebooks
    assert list(bob) == ["03_data_prep"]
    assert bob["03_data_prep"] == staging / "bob" / "submission" / "03_data_prep.ipynb"
    assert nbformat.read(bob["03_data_prep"], as_version=4) == learner_notebook("03_data_prep")


def test_discover_prefers_the_mlflow_lab_folder(tmp_path):
    class_dir = tmp_path / "class"
    write_student(class_dir, "alice", {"01_provision": learner_notebook("01_provision")})
    old = class_dir / "alice" / "01_provision.ipynb"  # an older copy next to the folder
    old.write_bytes(notebook_bytes("01_provision"))

    (sub,) = discover(class_dir, tmp_path / "staging")

    assert (
        sub.notebooks["01_provision"] == class_dir / "alice" / "mlflow_lab" / "01_provision.ipynb"
    )


def test_discover_prefers_the_mlflow_lab_folder_wherever_the_class_lives(tmp_path):
    class_dir = tmp_path / "mlflow_lab" / "class"
    write_student(class_dir, "alice", {"01_provision": learner_notebook("01_provision")})
    stale = class_dir / "alice" / "backup" / "01_provision.ipynb"  # sorts before mlflow_lab/
    stale.parent.mkdir()
    stale.write_bytes(notebook_bytes("01_provision"))

    (sub,) = discover(class_dir, tmp_path / "staging")

    assert (
        sub.notebooks["01_provision"] == class_dir / "alice" / "mlflow_lab" / "01_provision.ipynb"
    )


def test_links_are_not_submissions(tmp_path):
    class_dir, outside = tmp_path / "class", tmp_path / "outside"
    outside.mkdir()
    secret = outside / "01_provision.ipynb"
    secret.write_bytes(notebook_bytes("01_provision"))
    class_dir.mkdir()
    (class_dir / "eve").symlink_to(outside, target_is_directory=True)
    mallory = class_dir / "mallory" / "mlflow_lab"
    mallory.mkdir(parents=True)
    (mallory / "01_provision.ipynb").symlink_to(secret)

    found = {s.student: s for s in discover(class_dir, tmp_path / "staging")}

    assert found["eve"].notebooks == {}
    assert "link" in found["eve"].problems[0]
    assert found["mallory"].notebooks == {}


def test_a_linked_folder_inside_a_submission_is_not_followed(tmp_path):
    """A folder link to the solutions would otherwise hand in the reference notebooks."""
    class_dir, outside = tmp_path / "class", tmp_path / "solutions"
    outside.mkdir()
    (outside / "01_provision.ipynb").write_bytes(notebook_bytes("01_provision"))
    folder = class_dir / "eve" / "mlflow_lab"
    folder.mkdir(parents=True)
    (folder / "more").symlink_to(outside, target_is_directory=True)
    (class_dir / "eve" / "mlflow_lab" / "02_cluster.ipynb").symlink_to(
        outside / "01_provision.ipynb"
    )

    found = {s.student: s for s in discover(class_dir, tmp_path / "staging")}

    assert found["eve"].notebooks == {}


def test_an_unsafe_student_name_is_a_problem_not_a_crash(tmp_path):
    class_dir = tmp_path / "class"
    write_student(class_dir, "bad name", {"01_provision": learner_notebook("01_provision")})
    write_student(class_dir, "alice", {"01_provision": learner_notebook("01_provision")})

    found = {s.student: s for s in discover(class_dir, tmp_path / "staging")}

    assert sorted(found) == ["alice", "bad_name"]
    bad = found["bad_name"]
    assert bad.notebooks == {}
    assert len(bad.problems) == 1 and "'bad name'" in bad.problems[0]
    assert found["alice"].notebooks and not found["alice"].problems


def test_an_unsafe_name_never_doubles_another_student(tmp_path):
    class_dir = tmp_path / "class"
    write_student(class_dir, "a b", {"01_provision": learner_notebook("01_provision")})
    write_student(class_dir, "a_b", {"01_provision": learner_notebook("01_provision")})

    students = [s.student for s in discover(class_dir, tmp_path / "staging")]

    assert len(students) == len(set(students)), students


def test_discover_needs_a_folder(tmp_path):
    with pytest.raises(FileNotFoundError):
        discover(tmp_path / "nowhere", tmp_path / "staging")


# --- archives ---------------------------------------------------------------------------


#: Limits the tests lower the real ones to: far above a notebook, far below the defaults.
SMALL_LIMIT = 64 * 1024


def lying_header_zip(path: Path, real_size: int, claimed: int) -> None:
    """A member of ``real_size`` bytes whose central directory says ``claimed``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("submission/01_provision.ipynb", notebook_bytes("01_provision"))
        zf.writestr("submission/big.bin", b"A" * real_size)
    data = bytearray(buffer.getvalue())
    name = b"submission/big.bin"
    at = data.find(b"PK\x01\x02")
    while data[at + 46 : at + 46 + len(name)] != name:
        at = data.find(b"PK\x01\x02", at + 4)
    struct.pack_into("<I", data, at + 24, claimed)  # uncompressed size
    path.write_bytes(bytes(data))
    assert zipfile.ZipFile(path).getinfo("submission/big.bin").file_size == claimed


def evil_zip(path: Path, kind: str, canary: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``path``: a valid notebook first, then the trick (so nothing may be half unpacked)."""
    if kind == "lying header":
        monkeypatch.setattr(submissions, "MAX_MEMBER_BYTES", SMALL_LIMIT)
        lying_header_zip(path, real_size=4 * SMALL_LIMIT, claimed=100)
        return
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("submission/01_provision.ipynb", notebook_bytes("01_provision"))
        if kind == "parent":
            zf.writestr("../../" + canary.name, b"escaped")
        elif kind == "nested parent":
            zf.writestr("submission/../../../" + canary.name, b"escaped")
        elif kind == "absolute":
            zf.writestr(zipfile.ZipInfo(str(canary)), b"escaped")
        elif kind == "backslash":
            zf.writestr("..\\..\\" + canary.name, b"escaped")
        elif kind == "symlink":
            link = zipfile.ZipInfo("submission/02_cluster.ipynb")
            link.external_attr = 0o120777 << 16
            zf.writestr(link, str(canary))
        elif kind == "member too large":
            monkeypatch.setattr(submissions, "MAX_MEMBER_BYTES", SMALL_LIMIT)
            bomb = b"\0" * (16 * SMALL_LIMIT)  # deflates to a few hundred bytes
            zf.writestr("submission/bomb.bin", bomb, compress_type=zipfile.ZIP_DEFLATED)
        elif kind == "too many members":
            monkeypatch.setattr(submissions, "MAX_MEMBERS", 50)
            for i in range(60):  # each tiny: a bomb by count, not by size
                zf.writestr(f"submission/empty{i}.txt", b"")
        elif kind == "archive too large":
            monkeypatch.setattr(submissions, "MAX_HAND_IN_BYTES", 2 * SMALL_LIMIT)
            for i in range(3):  # each member under the member limit, together over the total
                zf.writestr(f"submission/part{i}.bin", b"\0" * SMALL_LIMIT)
        else:
            raise AssertionError(kind)
    if kind == "absolute":
        assert zipfile.ZipFile(path).infolist()[-1].filename.startswith("/")


#: kind of trick -> what the problem says about it
EVIL = {
    "parent": "points outside",
    "nested parent": "points outside",
    "absolute": "points outside",
    "backslash": "points outside",
    "symlink": "is a link",
    "member too large": "too large",
    "lying header": "big.bin",  # zipfile's CRC check catches it before _bounded_copy would
    "archive too large": "would unpack to",
    "too many members": "files (limit 50)",
}


@pytest.mark.parametrize(("kind", "says"), EVIL.items(), ids=list(EVIL))
def test_a_dangerous_archive_is_refused(tmp_path, monkeypatch, kind, says):
    class_dir, staging = tmp_path / "class", tmp_path / "staging"
    canary = tmp_path / "canary.txt"
    write_student(class_dir, "alice", {"01_provision": learner_notebook("01_provision")})
    zip_student(class_dir, "carol", {"02_cluster": learner_notebook("02_cluster")})
    evil_zip(class_dir / "bob.zip", kind, canary, monkeypatch)
    before = files_under(tmp_path)

    found = {s.student: s for s in discover(class_dir, staging)}

    assert sorted(found) == ["alice", "bob", "carol"]
    bob = found["bob"]
    assert bob.notebooks == {}
    assert len(bob.problems) == 1 and "bob.zip" in bob.problems[0]
    assert says in bob.problems[0]
    assert not canary.exists() and not (staging / canary.name).exists()
    new = files_under(tmp_path) - before
    assert all(
        p.is_relative_to(staging / "bob") or p.is_relative_to(staging / "carol") for p in new
    )
    assert not any(p.is_symlink() for p in new)
    assert all(p.stat().st_size <= submissions.MAX_MEMBER_BYTES for p in new)
    assert list(found["alice"].notebooks) == ["01_provision"]
    assert list(found["carol"].notebooks) == ["02_cluster"]


def test_a_corrupt_archive_is_a_problem(tmp_path):
    class_dir = tmp_path / "class"
    write_student(class_dir, "alice", {"01_provision": learner_notebook("01_provision")})
    (class_dir / "bob.zip").write_bytes(random.Random(0).randbytes(4096))

    found = {s.student: s for s in discover(class_dir, tmp_path / "staging")}

    assert found["bob"].notebooks == {}
    assert len(found["bob"].problems) == 1 and "bob.zip" in found["bob"].problems[0]
    assert list(found["alice"].notebooks) == ["01_provision"]


def test_unpacking_again_replaces_what_an_earlier_run_left(tmp_path):
    class_dir, staging = tmp_path / "class", tmp_path / "staging"
    class_dir.mkdir()
    stale = staging / "bob" / "submission" / "01_provision.ipynb"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(notebook_bytes("01_provision"))
    zip_student(class_dir, "bob", {"03_data_prep": learner_notebook("03_data_prep")})

    (bob,) = (s for s in discover(class_dir, staging) if s.student == "bob")

    assert list(bob.notebooks) == ["03_data_prep"]
    assert not stale.exists()


def test_a_refused_archive_leaves_the_target_alone(tmp_path):
    archive, target = tmp_path / "bob.zip", tmp_path / "target"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("../evil", b"x")
    target.mkdir()
    (target / "kept").write_text("earlier")

    with pytest.raises(ValueError, match="outside"):
        extract_zip(archive, target)

    assert (target / "kept").read_text() == "earlier"


def test_bounded_copy_stops_at_the_limit_whatever_the_header_said():
    out = io.BytesIO()
    _bounded_copy(io.BytesIO(b"x" * 100), out, limit=100, name="ok")
    assert out.getvalue() == b"x" * 100

    with pytest.raises(ValueError, match="more than 100 bytes"):
        _bounded_copy(io.BytesIO(b"x" * 101), io.BytesIO(), limit=100, name="big")


@pytest.mark.parametrize("name", ["alice", "a.b-c_d@x", "@x", "_x", "B0b", "x" * 64])
def test_student_name_accepts_safe_ids(name):
    assert student_name(name) == name


@pytest.mark.parametrize(
    "name", ["../x", ".hidden", "a b", "x" * 65, "", "a/b", "-x", "a\\b", "é", "x\ny"]
)
def test_student_name_refuses_unsafe_ids(name):
    with pytest.raises(ValueError, match="not a usable student id"):
        student_name(name)


def test_student_name_refuses_a_trailing_newline():
    with pytest.raises(ValueError, match="not a usable student id"):
        student_name("alice\n")


# --- names that clash, files that are no hand-in, size caps -------------------------------


def test_names_differing_only_in_case_are_both_graded_with_why(tmp_path):
    class_dir = tmp_path / "class"
    for name in ("ALICE", "alice", "Alice-2"):
        write_student(class_dir, name, {"01_provision": learner_notebook("01_provision")})

    found = {s.student: s for s in discover(class_dir, tmp_path / "staging")}

    # the lowercase one keeps its name; the other never takes a name someone has
    assert sorted(found) == ["ALICE-3", "Alice-2", "alice"]
    assert len({s.casefold() for s in found}) == 3  # no two share a file, on any file system
    for student in ("alice", "ALICE-3"):
        assert list(found[student].notebooks) == ["01_provision"]
        (problem,) = found[student].problems
        assert "alice and ALICE have the same name ignoring case" in problem
        assert "ALICE as 'ALICE-3'" in problem and "alice as 'alice'" in problem
    assert found["Alice-2"].problems == []
    assert found["ALICE-3"].notebooks["01_provision"].parent.parent.name == "ALICE"


def test_a_folder_and_a_zip_of_one_name_are_both_graded(tmp_path):
    class_dir, staging = tmp_path / "class", tmp_path / "staging"
    write_student(class_dir, "bob", {"01_provision": learner_notebook("01_provision")})
    zip_student(class_dir, "bob", {"02_cluster": learner_notebook("02_cluster")})

    found = {s.student: s for s in discover(class_dir, staging)}

    assert sorted(found) == ["bob", "bob-2"]
    assert list(found["bob"].notebooks) == ["01_provision"]  # the folder keeps the name
    assert list(found["bob-2"].notebooks) == ["02_cluster"]
    assert found["bob-2"].notebooks["02_cluster"].is_relative_to(staging / "bob-2")
    assert all("bob.zip as 'bob-2'" in s.problems[0] for s in found.values())


def test_files_beside_the_students_are_ignored_not_graded(tmp_path):
    class_dir = tmp_path / "class"
    write_student(class_dir, "alice", {"01_provision": learner_notebook("01_provision")})
    (class_dir / "README.md").write_text("grade these by Friday")
    (class_dir / "01_provision.ipynb").write_bytes(notebook_bytes("01_provision"))
    (class_dir / ".DS_Store").write_bytes(b"\0")

    assert [s.student for s in discover(class_dir, tmp_path / "staging")] == ["alice"]
    assert submissions.not_hand_ins(class_dir) == ["01_provision.ipynb", "README.md"]


def test_a_folder_past_the_hand_in_cap_is_refused_whole(tmp_path, monkeypatch):
    monkeypatch.setattr(submissions, "MAX_HAND_IN_BYTES", SMALL_LIMIT)
    class_dir = tmp_path / "class"
    folder = write_student(class_dir, "bob", {"01_provision": learner_notebook("01_provision")})
    (folder / "data.bin").write_bytes(b"\0" * (2 * SMALL_LIMIT))
    write_student(class_dir, "carol", {"01_provision": learner_notebook("01_provision")})

    found = {s.student: s for s in discover(class_dir, tmp_path / "staging")}

    bob = found["bob"]
    assert bob.notebooks == {}
    assert set(bob.refused) == set(STEPS)
    assert all(
        why.startswith("too large: the folder bob holds more than") for why in bob.refused.values()
    )
    assert "nothing of it is graded" in bob.problems[0]
    assert list(found["carol"].notebooks) == ["01_provision"] and not found["carol"].refused


def test_a_notebook_past_its_cap_is_refused_and_the_others_kept(tmp_path, monkeypatch):
    monkeypatch.setattr(submissions, "MAX_NOTEBOOK_BYTES", SMALL_LIMIT)
    class_dir = tmp_path / "class"
    big = learner_notebook("02_cluster")
    big.cells[0].source += "\n# " + "x" * (2 * SMALL_LIMIT)
    write_student(
        class_dir, "bob", {"01_provision": learner_notebook("01_provision"), "02_cluster": big}
    )

    (bob,) = discover(class_dir, tmp_path / "staging")

    assert list(bob.notebooks) == ["01_provision"]
    assert bob.refused["02_cluster"].startswith("too large: 02_cluster.ipynb is")
    assert f"(limit {SMALL_LIMIT / submissions.MIB:g} MB)" in bob.refused["02_cluster"]


def test_a_zip_past_the_hand_in_cap_is_refused_whole(tmp_path, monkeypatch):
    monkeypatch.setattr(submissions, "MAX_HAND_IN_BYTES", SMALL_LIMIT)
    class_dir = tmp_path / "class"
    class_dir.mkdir()
    with zipfile.ZipFile(class_dir / "bob.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("submission/01_provision.ipynb", notebook_bytes("01_provision"))
        zf.writestr("submission/data.bin", b"\0" * (2 * SMALL_LIMIT))

    (bob,) = discover(class_dir, tmp_path / "staging")

    assert bob.notebooks == {}
    assert bob.refused["01_provision"].startswith("too large: bob.zip: it would unpack to")


def test_a_clash_of_the_longest_names_keeps_the_one_rule(tmp_path):
    """Two 64-character names that differ in case: the second's id, with its suffix, is a
    usable id too (feedback pages are named by the same rule)."""
    from grader.grading.feedback import check_student_name

    long = "a" * 64
    (tmp_path / "in" / long).mkdir(parents=True)
    (tmp_path / "in" / long.upper()).mkdir()
    ids = sorted(s.student for s in discover(tmp_path / "in", tmp_path / "staging"))
    assert ids == ["A" * 62 + "-2", long]
    assert all(check_student_name(i) == i for i in ids)
