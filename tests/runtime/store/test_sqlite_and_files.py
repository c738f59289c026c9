"""SQLite specifics (migrations, WAL), URL handling and durable exports."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import pytest

from petri.errors import BackendError, MissingDriver
from petri.runtime.store import from_url
from petri.runtime.store.files import archive, export_events, read_export, write_atomic
from petri.runtime.store.sqlite import MIGRATIONS, SqliteStore


def test_migrations_set_user_version_once_and_use_wal(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    for _ in range(2):
        store = SqliteStore(path)
        store.append("r", "e")
        store.close()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("SELECT count(*) FROM events").fetchone()[0] == 2


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    conn.close()
    with pytest.raises(BackendError, match="upgrade petri"):
        SqliteStore(path).get("k")


def test_constructor_does_no_io(tmp_path: Path) -> None:
    store = from_url(f"sqlite:///{tmp_path}/sub/s.db")
    assert not (tmp_path / "sub").exists()
    store.append("r", "e")
    assert (tmp_path / "sub" / "s.db").exists()


def test_unusable_urls(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(BackendError, match="unknown store URL"):
        from_url("ftp://x")
    with pytest.raises(BackendError, match="names no file"):
        from_url("sqlite://")
    monkeypatch.setitem(sys.modules, "redis", None)
    with pytest.raises(MissingDriver, match=r"petridish\[redis\]"):
        from_url("redis://127.0.0.1:1/0")


def test_unwritable_database_is_a_backend_error(tmp_path: Path) -> None:
    (tmp_path / "dir.db").mkdir()
    with pytest.raises(BackendError, match="cannot open store"):
        SqliteStore(tmp_path / "dir.db").get("k")


def test_export_then_archive_compacts_only_what_was_written(tmp_path: Path) -> None:
    store = from_url("memory://")
    stored = store.append_many([store_event(i) for i in range(5)])
    out = tmp_path / "exports" / "r.jsonl"
    assert export_events(store, "r", out, after_seq=2) == 5
    assert read_export(out) == stored[2:]
    assert archive(store, "r", out) == 5
    assert read_export(out) == stored
    assert store.read("r") == []
    assert archive(store, "r", out) == 0
    assert read_export(out) == []
    assert [p.name for p in out.parent.iterdir()] == ["r.jsonl"]


def test_write_atomic_keeps_the_old_file_when_writing_fails(tmp_path: Path) -> None:
    target = tmp_path / "f.txt"
    write_atomic(target, ["old\n"])

    def broken() -> list[str]:
        raise OSError("disk full")

    with pytest.raises(BackendError, match="disk full"):
        write_atomic(target, iter_broken(broken))
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["f.txt"]


def iter_broken(fn: object) -> list[str]:
    class Lines:
        def __iter__(self) -> object:
            raise OSError("disk full")

    return Lines()  # type: ignore[return-value]


def store_event(i: int) -> object:
    from petri.runtime.store import NewEvent

    return NewEvent("r", "e", {"i": i})
