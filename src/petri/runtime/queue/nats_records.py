"""The NATS queue's records and messages: pure encoding and decisions, no I/O.

A record is the KV value of one task: ``{"task": {...every Task field}, "gen": int,
"dependents": [ids], "waiting": [ids]}``. A ready message (a "note") carries the record as it
was published and its KV revision: ``{"rev": int, "rec": record}``. A consumer that finds the
note leasable writes the leased record with compare-and-set on that revision, which succeeds only
if nothing changed since: the common case costs no read. Older notes ``{"id", "gen"}`` still
work through the reading path.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import fields
from json.encoder import encode_basestring_ascii
from typing import Any, NamedTuple

from petri.runtime.queue.task import Task, TaskStatus

Record = dict[str, Any]
Change = Callable[[Record], bool]

OPEN = (TaskStatus.PENDING.value, TaskStatus.FAILED.value)
FINAL = (TaskStatus.DONE.value, TaskStatus.DEAD.value)
DONE = {"status": "done", "owner": None, "lease_expires": None, "leased_at": None}  # ack writes
_FIELDS = tuple(f.name for f in fields(Task))
_JSON = json.JSONEncoder(separators=(",", ":"))  # one encoder: ``json.dumps`` builds one a call
_LEASE = ("status", "attempts", "owner", "lease_expires", "leased_at")  # consecutive fields


class Stored(NamedTuple):
    """A record as written: decoded, its bytes, and the revision the write got."""

    rec: Record
    body: bytes
    rev: int


def record_key(task_id: str) -> str:
    """KV key of a task's record (hex keeps any id a valid key)."""
    return "t." + task_id.encode().hex()


def idempotency_key(key: str) -> str:
    """KV key that maps an idempotency key to the id of the task that claimed it."""
    return "k." + key.encode().hex()


def encode(rec: Record) -> bytes:
    """A record's compact JSON bytes."""
    return _JSON.encode(rec).encode()


def _scalar(value: Any) -> str:
    """A scalar field as ``encode`` writes it."""
    if value is None or isinstance(value, bool):
        return {None: "null", True: "true", False: "false"}[value]
    if isinstance(value, str):
        return str(encode_basestring_ascii(value))
    return float.__repr__(value) if isinstance(value, float) else int.__repr__(value)


def lease_block(task: Mapping[str, Any]) -> bytes:
    """The bytes ``encode`` writes for a stored task's lease fields (consecutive, in order).

    A record written before ``leased_at`` existed lacks it: its block then matches nothing, and
    the caller encodes the whole record instead.
    """
    return (
        f'"status":{_scalar(task["status"])},"attempts":{_scalar(task["attempts"])},'
        f'"owner":{_scalar(task["owner"])},"lease_expires":{_scalar(task["lease_expires"])},'
        f'"leased_at":{_scalar(task.get("leased_at"))}'
    ).encode()


def done_block(attempts: int) -> bytes:
    """The lease fields of a task acked after ``attempts`` leases, as ``encode`` writes them."""
    return (
        b'"status":"done","attempts":%d,"owner":null,"lease_expires":null,"leased_at":null'
        % attempts
    )


def token_block(token: str | None) -> bytes:
    """The bytes ``encode`` writes for the last field of a stored task."""
    return f'"token":{_scalar(token)}}}'.encode()


def swap(body: bytes | None, old: bytes, new: bytes) -> bytes | None:
    """``body`` with its last ``old`` replaced by ``new``; None when ``old`` is not there.

    Rewriting the few lease fields in the bytes saves decoding and encoding a whole record on
    every lease and ack. The last occurrence is the task's own field: only the payload comes
    before the lease fields, and the strings after them cannot hold an unescaped quote. A body
    encoded another way simply does not match, and the caller encodes the record instead.
    """
    at = -1 if body is None else body.rfind(old)
    if body is None or at < 0:
        return None
    return body[:at] + new + body[at + len(old) :]


def task_fields(task: Task) -> dict[str, Any]:
    """Every field of ``task`` as JSON-ready values (cheaper than ``dataclasses.asdict``)."""
    return {name: getattr(task, name) for name in _FIELDS}


def to_task(data: dict[str, Any]) -> Task:
    """Rebuild a Task from its fields as stored in a record."""
    values = dict(data)
    values["status"] = TaskStatus(values["status"])
    values["depends_on"] = tuple(values["depends_on"])
    return Task(**values)


def new_record(task: Task) -> Record:
    """The first record of a freshly enqueued task."""
    return {"task": task_fields(task), "gen": 0, "dependents": [], "waiting": list(task.depends_on)}


def note(body: bytes, rev: int) -> bytes:
    """The ready message of a record written as ``body`` at revision ``rev``."""
    return b'{"rev":%d,"rec":%b}' % (rev, body)


def note_body(data: bytes) -> bytes:
    """The record bytes inside a note made by :func:`note`."""
    return data[data.index(b',"rec":') + 7 : -1]


def relet(
    body: bytes, before: Mapping[str, Any], after: Mapping[str, Any]
) -> tuple[bytes, bytes] | None:
    """``body`` with the lease fields and token of task ``before`` rewritten as ``after``'s.

    Returns the new body and the lease fields it now holds, or None if ``body`` did not match.
    """
    block = lease_block(after)
    moved = swap(body, lease_block(before), block)
    moved = swap(moved, token_block(before["token"]), token_block(after["token"]))
    return None if moved is None else (moved, block)


def lane(task: dict[str, Any]) -> str:
    """Subject suffix of a task's lane: ``<p|m><priority>.<kind hex>``."""
    prio = task["priority"]
    token = f"p{prio:06d}" if prio >= 0 else f"m{-prio:06d}"
    return f"{token}.{task['kind'].encode().hex()}"


def lane_rank(subject: str) -> tuple[int, str]:
    """Sort key of a lane subject ``...<p|m><priority>.<kindhex>``: highest priority first."""
    token, kind = subject.rsplit(".", 2)[-2:]
    prio = int(token[1:]) * (1 if token[0] == "p" else -1)
    return -prio, kind


def ready_at(task: Task) -> float:
    """When a delivered task may be leased: its lease's end if held, else its ``not_before``."""
    return (task.lease_expires or 0.0) if task.status == TaskStatus.LEASED else task.not_before


def holding(task: Task, then: Callable[[dict[str, Any]], object]) -> Change:
    """A change that applies ``then`` to the stored task only while ``task``'s lease holds."""

    def change(rec: Record) -> bool:
        t = rec["task"]
        held = t["status"] == "leased" and t["owner"] == task.owner
        if not held or t["attempts"] != task.attempts:
            return False
        then(t)
        return True

    return change


def kill(reason: str, trace: str | None) -> Change:
    """A change that dead-letters an unfinished task with ``reason``."""

    def change(rec: Record) -> bool:
        t = rec["task"]
        if t["status"] in FINAL:
            return False
        t.update(status="dead", owner=None, lease_expires=None, leased_at=None)
        t.update(error=reason, traceback=trace)
        return True

    return change


def revive(now: float) -> Change:
    """Dead -> pending with fresh attempts and a new generation (old messages become stale)."""

    def change(rec: Record) -> bool:
        task = rec["task"]
        if task["status"] != "dead":
            return False
        task.update(status="pending", attempts=0, not_before=now, owner=None)
        task.update(lease_expires=None, leased_at=None)
        rec["gen"] += 1
        rec["waiting"] = list(task["depends_on"])
        return True

    return change
