"""``sqlite:///path``: the embedded default, one WAL database file shared by local processes.

Every hook is one ``BEGIN IMMEDIATE`` transaction, so concurrent consumers serialize on SQLite's
write lock and never lease the same task twice. ``avail_at`` folds the "is it leasable, and from
when" question into one indexed column: ``not_before`` for open unblocked tasks, the lease expiry
for leased ones (so reclaim is the same query), NULL for everything else. ``synchronous=NORMAL``
in WAL mode keeps commits durable across process crashes (not across power loss), which is the
failure the at-least-once contract is about.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import SplitResult

from petri.errors import BackendError, TaskNotFound
from petri.runtime.queue import sqlite_sql as sql
from petri.runtime.queue.base import Queue
from petri.runtime.queue.task import Task, TaskStatus, unrunnable
from petri.runtime.sqlite_wal import open_wal


class SqliteQueue(Queue):
    """Queue in a SQLite database file (``sqlite:///relative`` or ``sqlite:////absolute``)."""

    scheme = "sqlite"

    def __init__(self, url: SplitResult | None = None, *, path: str = "", **options: Any) -> None:
        super().__init__(**options)
        if not re.fullmatch(r"\w+", self.name):
            raise BackendError(f"queue name {self.name!r} must be letters, digits or _")
        self.path = path or (url.path[1:] if url and url.path else "")
        if not self.path:
            raise BackendError("sqlite queue URL needs a path: sqlite:///petri.db")
        self._sql = sql.Statements(self.name)
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        self._pid = 0

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; SQLite errors become ``BackendError``."""
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
                raise BackendError(f"sqlite queue {self.path}: {exc}") from exc

    def _connect(self) -> sqlite3.Connection:
        # A connection must not cross fork(); a child reconnects.
        if self._conn is None or self._pid != os.getpid():
            try:
                conn = open_wal(self.path, 30000)
                conn.executescript(self._sql.schema)
                self._migrate(conn)
            except sqlite3.Error as exc:
                raise BackendError(f"cannot open sqlite queue {self.path}: {exc}") from exc
            self._conn, self._pid = conn, os.getpid()
        return self._conn

    def _migrate(self, conn: sqlite3.Connection) -> None:
        """Add the columns a table made by an older petri lacks."""
        if "leased_at" in {row[0] for row in conn.execute(self._sql.columns)}:
            return
        try:
            conn.execute(self._sql.add_leased_at)
        except sqlite3.OperationalError as exc:
            if "duplicate column" not in str(exc):  # duplicate: another process migrated first
                raise

    def _enqueue(self, tasks: list[Task], now: float) -> list[str]:
        with self._tx() as db:
            known = self._known_keys(db, [t.key for t in tasks if t.key])
            fresh: dict[str, Task] = {}
            ids: list[str] = []
            for task in tasks:
                if task.key and task.key in known:
                    ids.append(known[task.key])
                    continue
                if task.key:
                    known[task.key] = task.id
                fresh[task.id] = task
                ids.append(task.id)
            self._insert(db, list(fresh.values()), now)
        return ids

    def _known_keys(self, db: sqlite3.Connection, keys: list[str]) -> dict[str, str]:
        if not keys:
            return {}
        return dict(db.execute(self._sql.keys_in, [json.dumps(keys)]).fetchall())

    def _insert(self, db: sqlite3.Connection, tasks: list[Task], now: float) -> None:
        batch = {t.id for t in tasks}
        outside = sorted({d for t in tasks for d in t.depends_on} - batch)
        status = self._statuses(db, outside)
        missing = [d for d in outside if d not in status]
        if missing:
            raise _not_found(missing[0])
        rows: list[tuple[Any, ...]] = []
        edges: list[tuple[str, str]] = []
        doomed: list[tuple[str, str]] = []
        for task in tasks:
            blocked = sum(status.get(d) != TaskStatus.DONE.value for d in task.depends_on)
            rows.append(sql.task_row(task, blocked))
            edges.extend((task.id, d) for d in task.depends_on)
            dead = [d for d in task.depends_on if status.get(d) == TaskStatus.DEAD.value]
            if dead:
                doomed.append((task.id, dead[0]))
        db.executemany(self._sql.insert, rows)
        db.executemany(self._sql.insert_dep, edges)
        for task_id, dep in doomed:
            self._kill(db, task_id, f"dependency {dep} is dead", None)

    def _statuses(self, db: sqlite3.Connection, ids: Sequence[str]) -> dict[str, str]:
        if not ids:
            return {}
        return dict(db.execute(self._sql.status_in, [json.dumps(list(ids))]).fetchall())

    def _lease(
        self, n: int, kinds: list[str] | None, now: float, until: float
    ) -> tuple[list[Task], list[Task]]:
        leased: list[Task] = []
        buried: list[Task] = []
        with self._tx() as db:
            while len(leased) < n:
                query, args = self._sql.ready(kinds, now, n - len(leased))
                found = [sql.task_from_row(row) for row in db.execute(query, args)]
                fresh = [t for t in found if not self._bury_unrunnable(db, t, now, buried)]
                for task in fresh:
                    task.status, task.owner = TaskStatus.LEASED, self.consumer
                    task.lease_expires, task.leased_at = until, now
                    task.attempts += 1
                if fresh:
                    ids = json.dumps([t.id for t in fresh])
                    db.execute(self._sql.take, [self.consumer, until, until, now, ids])
                leased.extend(fresh)
                if len(fresh) == len(found):  # nothing buried: the ready set is exhausted or n met
                    break
        return leased, buried

    def _bury_unrunnable(
        self, db: sqlite3.Connection, task: Task, now: float, buried: list[Task]
    ) -> bool:
        reason = unrunnable(task, now)
        if reason is None:
            return False
        self._kill(db, task.id, reason, None)
        task.status, task.error, task.owner = TaskStatus.DEAD, reason, None
        buried.append(task)
        return True

    def _heartbeat(self, task: Task, until: float) -> bool:
        with self._tx() as db:
            cur = db.execute(self._sql.extend, [until, until, *_lease_of(task)])
            return cur.rowcount == 1

    def _ack(self, tasks: list[Task], now: float) -> list[bool]:
        flags: list[bool] = []
        with self._tx() as db:
            for task in tasks:
                ok = db.execute(self._sql.finish, _lease_of(task)).rowcount == 1
                if ok:
                    db.execute(self._sql.release, [task.id])
                flags.append(ok)
        return flags

    def _retry(self, task: Task, not_before: float, error: str, tb: str, now: float) -> bool:
        with self._tx() as db:
            args = [not_before, not_before, error, tb, *_lease_of(task)]
            return db.execute(self._sql.fail, args).rowcount == 1

    def _bury(self, task: Task, error: str, tb: str, now: float) -> bool:
        with self._tx() as db:
            held = db.execute(self._sql.holds, _lease_of(task)).fetchone() is not None
            if held:
                self._kill(db, task.id, error, tb)
            return held

    def _kill(self, db: sqlite3.Connection, task_id: str, error: str, tb: str | None) -> None:
        """Dead-letter one task and, in the same transaction, everything downstream of it."""
        db.execute(self._sql.kill, [error, tb, task_id])
        db.execute(self._sql.kill_downstream, [task_id])

    def _get(self, task_id: str) -> Task | None:
        with self._tx() as db:
            row = db.execute(self._sql.get, [task_id]).fetchone()
            return sql.task_from_row(row) if row else None

    def _dead(self, limit: int) -> list[Task]:
        with self._tx() as db:
            return [sql.task_from_row(r) for r in db.execute(self._sql.dead, [limit])]

    def _redrive(self, ids: list[str], now: float) -> int:
        listed = json.dumps(ids)
        with self._tx() as db:
            moved = db.execute(self._sql.revive, [now, listed]).rowcount
            db.execute(self._sql.reblock, [listed])
            db.execute(self._sql.unblock, [listed])
            for task_id, dep in db.execute(self._sql.dead_deps, [listed]).fetchall():
                self._kill(db, task_id, f"dependency {dep} is dead", None)
        return moved

    def _stats(self) -> dict[str, int]:
        with self._tx() as db:
            return dict(db.execute(self._sql.stats).fetchall())

    def _lease_starts(self, now: float, limit: int) -> list[float]:
        with self._tx() as db:
            return [row[0] for row in db.execute(self._sql.lease_starts, [now, limit])]

    def _close(self) -> None:
        with self._lock:
            if self._conn is not None and self._pid == os.getpid():
                self._conn.close()
            self._conn = None


def _lease_of(task: Task) -> list[Any]:
    """The (id, owner, attempt) triple that identifies one lease."""
    return [task.id, task.owner, task.attempts]


def _not_found(task_id: str) -> BackendError:
    return TaskNotFound(f"dependency {task_id} is not a task of this queue")
