"""Many processes opening one fresh SQLite file at once all get a WAL connection."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from petri.runtime.sqlite_wal import open_wal


def _open(path: str, results: multiprocessing.Queue[str], start: object) -> None:
    start.wait()  # type: ignore[attr-defined]
    try:
        conn = open_wal(path, 10_000)
        results.put(conn.execute("PRAGMA journal_mode").fetchone()[0])
    except Exception as exc:  # reported to the test, which fails on it
        results.put(f"error: {exc}")


def test_concurrent_first_opens_all_succeed(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("fork")
    for round_ in range(20):
        path = str(tmp_path / f"fresh-{round_}.db")
        results: multiprocessing.Queue[str] = ctx.Queue()
        start = ctx.Event()
        procs = [ctx.Process(target=_open, args=(path, results, start)) for _ in range(6)]
        for proc in procs:
            proc.start()
        start.set()
        for proc in procs:
            proc.join(30)
        assert sorted(results.get(timeout=5) for _ in procs) == ["wal"] * 6


def test_an_existing_wal_database_is_not_switched_again(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    open_wal(path, 1000).close()
    conn = open_wal(path, 1000)
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
