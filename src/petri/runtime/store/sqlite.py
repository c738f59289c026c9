"""SQLite store: the embedded default (WAL, one writer, migrations by ``PRAGMA user_version``).

One connection per store and process, guarded by a lock, so the store is the one writer of its
process; across processes SQLite's write lock serialises writers (``BEGIN IMMEDIATE`` plus a
busy timeout). A store used after ``fork`` reconnects instead of sharing the parent's handle.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from petri.errors import BackendError, StateConflict
from petri.runtime.sqlite_wal import open_wal
from petri.runtime.store.base import Clock, Encoded, Store

#: Schema migrations, applied in order; ``PRAGMA user_version`` counts the applied ones.
#: Append new entries, never edit old ones.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        "CREATE TABLE runs (run_id TEXT PRIMARY KEY, last_seq INTEGER NOT NULL) WITHOUT ROWID",
        "CREATE TABLE events (run_id TEXT NOT NULL, seq INTEGER NOT NULL, type TEXT NOT NULL,"
        " payload TEXT NOT NULL, time REAL NOT NULL, PRIMARY KEY (run_id, seq)) WITHOUT ROWID",
        "CREATE TABLE state (key TEXT PRIMARY KEY, value TEXT NOT NULL,"
        " version INTEGER NOT NULL) WITHOUT ROWID",
    ),
)

Row = tuple[int, str, str, float]


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the schema up to date inside one write transaction; return the schema version.

    Safe when several processes open a new database at once: the version is read under the
    write lock. A database newer than this code raises ``BackendError``.
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        current = conn.execute("PRAGMA user_version").fetchone()[0]
        if current > len(MIGRATIONS):
            raise BackendError(
                f"store schema version {current} is newer than this petri ({len(MIGRATIONS)});"
                " upgrade petri"
            )
        for statements in MIGRATIONS[current:]:
            for statement in statements:
                conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {len(MIGRATIONS)}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return len(MIGRATIONS)


class SqliteStore(Store):
    """Events and state in one SQLite file."""

    def __init__(self, path: str | Path, clock: Clock = time.time, busy_ms: int = 30_000) -> None:
        super().__init__(clock)
        self.path = Path(path)
        self.busy_ms = busy_ms
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None
        self._pid = 0

    @classmethod
    def from_url(cls, url: str) -> SqliteStore:
        """``sqlite:///relative.db`` or ``sqlite:////absolute/path.db``."""
        path = url.removeprefix("sqlite://").removeprefix("/")
        if not path:
            raise BackendError(f"store URL {url!r} names no file: use sqlite:///path/to/petri.db")
        return cls(path)

    def _connect(self) -> sqlite3.Connection:
        if self._conn is not None and self._pid == os.getpid():
            return self._conn
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = open_wal(self.path, int(self.busy_ms))
            migrate(conn)
        except sqlite3.Error as exc:
            raise BackendError(f"cannot open store {self.path}: {exc}") from exc
        self._conn, self._pid = conn, os.getpid()
        return conn

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction under the process lock and SQLite's write lock."""
        with self._lock:
            conn = self._connect()
            try:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    yield conn
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")
            except sqlite3.Error as exc:
                raise BackendError(f"store write failed on {self.path}: {exc}") from exc

    def _query(self, sql: str, args: tuple[object, ...]) -> list[Any]:
        with self._lock:
            try:
                return list(self._connect().execute(sql, args))
            except sqlite3.Error as exc:
                raise BackendError(f"store read failed on {self.path}: {exc}") from exc

    @staticmethod
    def _insert(conn: sqlite3.Connection, events: Sequence[Encoded]) -> list[int]:
        last: dict[str, int] = {}
        for run, *_ in events:
            if run not in last:
                row = conn.execute("SELECT last_seq FROM runs WHERE run_id = ?", (run,)).fetchone()
                last[run] = row[0] if row else 0
        rows, seqs = [], []
        for run, etype, payload, at in events:
            last[run] += 1
            seqs.append(last[run])
            rows.append((run, last[run], etype, payload, at))
        conn.executemany("INSERT INTO events VALUES (?, ?, ?, ?, ?)", rows)
        conn.executemany(
            "INSERT INTO runs VALUES (?, ?) ON CONFLICT (run_id) DO UPDATE SET last_seq = ?3",
            [(run, seq, seq) for run, seq in last.items()],
        )
        return seqs

    def _append(self, events: Sequence[Encoded]) -> list[int]:
        with self._write() as conn:
            return self._insert(conn, events)

    def _read(self, run_id: str, after_seq: int, limit: int | None) -> list[Row]:
        rows = self._query(
            "SELECT seq, type, payload, time FROM events WHERE run_id = ? AND seq > ?"
            " ORDER BY seq LIMIT ?",
            (run_id, after_seq, -1 if limit is None else limit),
        )
        return [(int(s), str(t), str(p), float(a)) for s, t, p, a in rows]

    def _compact(self, run_id: str, keep_after_seq: int) -> None:
        with self._write() as conn:
            conn.execute(
                "DELETE FROM events WHERE run_id = ? AND seq <= ?", (run_id, keep_after_seq)
            )

    def _get(self, key: str) -> tuple[str | None, int]:
        rows = self._query("SELECT value, version FROM state WHERE key = ?", (key,))
        return (str(rows[0][0]), int(rows[0][1])) if rows else (None, 0)

    def _put(
        self, key: str, value: str, expected: int, events: Sequence[Encoded]
    ) -> tuple[int, list[int]]:
        with self._write() as conn:
            row = conn.execute("SELECT version FROM state WHERE key = ?", (key,)).fetchone()
            current = row[0] if row else 0
            if current != expected:
                raise StateConflict(key, expected, current)
            conn.execute(
                "INSERT INTO state VALUES (?, ?, ?) ON CONFLICT (key)"
                " DO UPDATE SET value = ?2, version = ?3",
                (key, value, current + 1),
            )
            return current + 1, self._insert(conn, events)

    def close(self) -> None:
        """Close this process's connection (a forked child's copy is left alone)."""
        with self._lock:
            if self._conn is not None and self._pid == os.getpid():
                self._conn.close()
            self._conn = None
