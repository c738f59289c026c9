"""Opening a SQLite database in WAL mode from many processes at once.

Switching a new database to WAL needs an exclusive lock, and SQLite does not call the busy
handler for that switch: two processes opening a fresh file together would see "database is
locked" at once. The mode is persistent, so it is read first (a shared lock) and switched only
when needed, retrying for as long as ``busy_timeout`` allows.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path


def open_wal(path: str | Path, busy_ms: int) -> sqlite3.Connection:
    """A connection in autocommit mode, WAL journal, ``synchronous=NORMAL``."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout = {int(busy_ms)}")
    deadline = time.monotonic() + busy_ms / 1000.0
    delay = 0.005
    while True:
        try:
            mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
            if str(mode).lower() != "wal":
                conn.execute("PRAGMA journal_mode = WAL")
            break
        except sqlite3.OperationalError:
            if time.monotonic() > deadline:
                conn.close()
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.2)
    conn.execute("PRAGMA synchronous = NORMAL")
    return conn
