"""The SQL of the SQLite queue, kept apart from the transaction logic that runs it.

Lists of ids travel as one JSON array parameter (``json_each``), so a statement's text does not
depend on how many ids it touches and SQLite's host-parameter limit never matters.
"""

from __future__ import annotations

import json
from typing import Any

from petri.runtime.queue.task import Task, TaskStatus

COLUMNS = (
    "id, kind, priority, status, attempts, max_attempts, not_before, deadline, key, owner,"
    " lease_expires, error, traceback, enqueued_at, body, leased_at"
)
_LEASE = "id = ? AND status = 'leased' AND owner = ? AND attempts = ?"
_IN = "IN (SELECT value FROM json_each(?))"
_FREE = "owner = NULL, lease_expires = NULL, leased_at = NULL"


def task_row(task: Task, blocked: int) -> tuple[Any, ...]:
    """The INSERT parameters of a new task."""
    body = {
        "payload": task.payload,
        "depends_on": list(task.depends_on),
        "backoff_base": task.backoff_base,
        "backoff_cap": task.backoff_cap,
        "backoff_jitter": task.backoff_jitter,
    }
    avail = task.not_before if blocked == 0 else None
    return (
        task.id,
        task.kind,
        task.priority,
        TaskStatus.PENDING.value,
        avail,
        blocked,
        task.max_attempts,
        task.not_before,
        task.deadline,
        task.key,
        task.enqueued_at,
        json.dumps(body, separators=(",", ":")),
    )


def task_from_row(row: tuple[Any, ...]) -> Task:
    """Rebuild a Task from a row selected with :data:`COLUMNS`."""
    body = json.loads(row[14])
    return Task(
        id=row[0],
        kind=row[1],
        priority=row[2],
        status=TaskStatus(row[3]),
        attempts=row[4],
        max_attempts=row[5],
        not_before=row[6],
        deadline=row[7],
        key=row[8],
        owner=row[9],
        lease_expires=row[10],
        error=row[11],
        traceback=row[12],
        enqueued_at=row[13],
        payload=body["payload"],
        depends_on=tuple(body["depends_on"]),
        backoff_base=body["backoff_base"],
        backoff_cap=body["backoff_cap"],
        backoff_jitter=body.get("backoff_jitter"),
        leased_at=row[15],
    )


class Statements:
    """Every statement of one named queue (tables ``petri_q_<name>`` and ``..._deps``)."""

    def __init__(self, name: str) -> None:
        t = f"petri_q_{name}"
        d = f"{t}_deps"
        self._define_schema(t, d)
        self._define_enqueue(t, d)
        self._define_lease(t)
        self._define_settle(t, d)
        self._define_redrive(t, d)
        self._define_inspect(t)

    def _define_schema(self, t: str, d: str) -> None:
        # avail_at: when the task can be leased; NULL when it cannot (done, dead, blocked).
        self.schema = f"""
            CREATE TABLE IF NOT EXISTS {t} (
                seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, kind TEXT NOT NULL,
                priority INTEGER NOT NULL, status TEXT NOT NULL, avail_at REAL,
                blocked INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
                max_attempts INTEGER NOT NULL, not_before REAL NOT NULL, deadline REAL,
                key TEXT UNIQUE, owner TEXT, lease_expires REAL, error TEXT, traceback TEXT,
                enqueued_at REAL NOT NULL, body TEXT NOT NULL, leased_at REAL);
            CREATE INDEX IF NOT EXISTS {t}_ready ON {t} (priority DESC, seq)
                WHERE avail_at IS NOT NULL;
            CREATE INDEX IF NOT EXISTS {t}_status ON {t} (status);
            CREATE TABLE IF NOT EXISTS {d} (
                dep_id TEXT NOT NULL, task_id TEXT NOT NULL, PRIMARY KEY (dep_id, task_id)
            ) WITHOUT ROWID;
        """
        # Tables made before ``leased_at`` existed gain it on first connect (see ``migrate``).
        self.columns = f"SELECT name FROM pragma_table_info('{t}')"
        self.add_leased_at = f"ALTER TABLE {t} ADD COLUMN leased_at REAL"

    def _define_enqueue(self, t: str, d: str) -> None:
        self.insert = (
            f"INSERT INTO {t} (id, kind, priority, status, avail_at, blocked, max_attempts,"
            " not_before, deadline, key, enqueued_at, body) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"
        )
        self.insert_dep = f"INSERT OR IGNORE INTO {d} (task_id, dep_id) VALUES (?, ?)"
        self.keys_in = f"SELECT key, id FROM {t} WHERE key {_IN}"
        self.status_in = f"SELECT id, status FROM {t} WHERE id {_IN}"

    def _define_lease(self, t: str) -> None:
        self.take = (
            f"UPDATE {t} SET status = 'leased', owner = ?, lease_expires = ?, avail_at = ?,"
            f" leased_at = ?, attempts = attempts + 1 WHERE id {_IN}"
        )
        self.extend = f"UPDATE {t} SET lease_expires = ?, avail_at = ? WHERE {_LEASE}"
        self.holds = f"SELECT 1 FROM {t} WHERE {_LEASE}"

    def _define_settle(self, t: str, d: str) -> None:
        """Done, failed (retry later) and dead, with what each does to dependent tasks."""
        self.finish = f"UPDATE {t} SET status = 'done', {_FREE}, avail_at = NULL WHERE {_LEASE}"
        # In SET, `blocked` is the old value: blocked = 1 means this was the last dependency.
        self.release = (
            f"UPDATE {t} SET blocked = blocked - 1, avail_at = CASE WHEN blocked = 1 AND"
            " status IN ('pending', 'failed') THEN not_before ELSE avail_at END"
            f" WHERE id IN (SELECT task_id FROM {d} WHERE dep_id = ?)"
        )
        self.fail = (
            f"UPDATE {t} SET status = 'failed', {_FREE}, not_before = ?, avail_at = ?,"
            f" error = ?, traceback = ? WHERE {_LEASE}"
        )
        self.kill = (
            f"UPDATE {t} SET status = 'dead', {_FREE}, avail_at = NULL, error = ?,"
            " traceback = ? WHERE id = ?"
        )
        self.kill_downstream = (
            f"WITH RECURSIVE down(id, parent) AS ("
            f" SELECT task_id, dep_id FROM {d} WHERE dep_id = ?"
            f" UNION SELECT x.task_id, x.dep_id FROM {d} x JOIN down ON x.dep_id = down.id)"
            f" UPDATE {t} SET status = 'dead', {_FREE}, avail_at = NULL, traceback = NULL,"
            f" error = 'dependency ' || (SELECT parent FROM down WHERE down.id = {t}.id LIMIT 1)"
            " || ' is dead'"
            " WHERE id IN (SELECT id FROM down) AND status NOT IN ('done', 'dead')"
        )

    def _define_redrive(self, t: str, d: str) -> None:
        self.revive = (
            f"UPDATE {t} SET status = 'pending', attempts = 0, not_before = ?, {_FREE}"
            f" WHERE status = 'dead' AND id {_IN}"
        )
        self.reblock = (
            f"UPDATE {t} SET blocked = (SELECT count(*) FROM {d} x JOIN {t} p ON p.id = x.dep_id"
            f" WHERE x.task_id = {t}.id AND p.status != 'done')"
            f" WHERE status = 'pending' AND id {_IN}"
        )
        self.unblock = (
            f"UPDATE {t} SET avail_at = CASE WHEN blocked = 0 THEN not_before END"
            f" WHERE status = 'pending' AND id {_IN}"
        )
        self.dead_deps = (
            f"SELECT x.task_id, x.dep_id FROM {d} x JOIN {t} p ON p.id = x.dep_id"
            f" JOIN {t} c ON c.id = x.task_id WHERE p.status = 'dead' AND c.status = 'pending'"
            f" AND x.task_id {_IN}"
        )

    def _define_inspect(self, t: str) -> None:
        self.get = f"SELECT {COLUMNS} FROM {t} WHERE id = ?"
        self.dead = f"SELECT {COLUMNS} FROM {t} WHERE status = 'dead' ORDER BY seq LIMIT ?"
        self.stats = f"SELECT status, count(*) FROM {t} GROUP BY status"
        # Served by the status index: only leased rows are read, then sorted.
        self.lease_starts = (
            f"SELECT leased_at FROM {t} WHERE status = 'leased' AND lease_expires > ?"
            " AND leased_at IS NOT NULL ORDER BY leased_at LIMIT ?"
        )
        self._ready = f"SELECT {COLUMNS} FROM {t} WHERE avail_at <= ?"
        self._order = " ORDER BY priority DESC, seq LIMIT ?"

    def ready(self, kinds: list[str] | None, now: float, limit: int) -> tuple[str, list[Any]]:
        """The query for up to ``limit`` leasable tasks, best first, of the given kinds."""
        if kinds is None:
            return self._ready + self._order, [now, limit]
        return self._ready + f" AND kind {_IN}" + self._order, [now, json.dumps(kinds), limit]
