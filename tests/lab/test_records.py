"""RecordStore: JSON records that outlive a kernel, written atomically."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.lab.records import RecordStore


@pytest.fixture
def store(tmp_path: Path) -> RecordStore:
    return RecordStore(tmp_path / "records")


def test_put_get_delete(store: RecordStore) -> None:
    assert store.get("a") is None
    store.put("a", {"name": "a", "n": 1})
    assert store.get("a") == {"name": "a", "n": 1}
    store.put("a", {"name": "a", "n": 2})  # replaced, not appended
    assert store.get("a") == {"name": "a", "n": 2}
    store.delete("a")
    assert store.get("a") is None
    store.delete("a")  # deleting twice is fine


def test_iterate_all_records(store: RecordStore) -> None:
    assert list(store) == []  # folder not made yet
    for key in ("b", "a", "c"):
        store.put(key, {"key": key})
    assert sorted(r["key"] for r in store) == ["a", "b", "c"]


def test_no_temporary_files_left(store: RecordStore) -> None:
    store.put("x", {"v": 1})
    store.put("x", {"v": 2})
    assert [p.name for p in store.folder.iterdir()] == ["x.json"]


def test_unsafe_key_stays_in_the_folder(store: RecordStore) -> None:
    store.put("../../evil/name", {"v": 1})
    files = list(store.folder.iterdir())
    assert len(files) == 1 and files[0].parent == store.folder
    assert store.get("../../evil/name") == {"v": 1}


def test_damaged_record_is_skipped_not_a_crash(store: RecordStore) -> None:
    store.put("good", {"key": "good"})
    (store.folder / "bad.json").write_text('{"key": "bad", ', encoding="utf-8")
    (store.folder / "empty.json").write_text("", encoding="utf-8")
    (store.folder / "folder.json").mkdir()  # unreadable as a file
    assert list(store) == [{"key": "good"}]


def test_non_utf8_record_is_skipped(store: RecordStore) -> None:
    store.put("good", {"key": "good"})
    (store.folder / "latin1.json").write_bytes('{"user": "Jos\xe9"}'.encode("latin-1"))
    assert list(store) == [{"key": "good"}]


def test_a_temporary_file_is_not_a_record(store: RecordStore) -> None:
    store.put("a", {"key": "a"})
    (store.folder / ".tmp-abc123.json").write_text('{"key": "a"}', encoding="utf-8")
    assert list(store) == [{"key": "a"}]
