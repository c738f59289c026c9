"""``Queue.lease_ages``, part of the contract: run against every backend like ``test_contract``.

Exact ages are asserted only on the fake clock; NATS runs on wall time (its server expires
leases itself), so there the tests assert what cannot depend on timing: counts, order, >= 0.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from queue_helpers import Backend

from petri.runtime import admin
from petri.runtime.queue import Queue, Task, TaskStatus, from_url
from petri.runtime.queue.sqlite_sql import Statements


def _oldest_first(ages: list[float]) -> bool:
    return all(age >= 0.0 for age in ages) and ages == sorted(ages, reverse=True)


def test_no_lease_no_age(q: Queue) -> None:
    assert q.lease_ages() == []
    q.enqueue_many([Task("idle"), Task("idle")])
    assert q.lease_ages() == []  # enqueued is not leased


def test_ages_run_from_the_lease_oldest_first(backend: Backend) -> None:
    first, second = backend.make(), backend.make()
    first.enqueue_many([Task("work", {"i": 0}), Task("work", {"i": 1})])
    assert first.lease() is not None
    backend.clock.advance(backend.lease_s * 0.2)
    assert second.lease() is not None
    backend.clock.advance(backend.lease_s * 0.3)
    ages = first.lease_ages()
    assert len(ages) == 2 and _oldest_first(ages)
    if backend.fake:
        assert ages == pytest.approx([backend.lease_s * 0.5, backend.lease_s * 0.3])
        assert second.lease_ages() == ages  # any handle sees every lease, not just its own


def test_heartbeat_does_not_make_a_lease_younger(backend: Backend) -> None:
    q = backend.make()
    q.enqueue(Task("long"))
    held = q.lease()
    assert held is not None
    for _ in range(3):
        backend.clock.advance(backend.lease_s * 0.6)
        assert q.heartbeat(held)
    ages = q.lease_ages()
    assert len(ages) == 1 and ages[0] >= 0.0
    if backend.fake:
        assert ages == pytest.approx([backend.lease_s * 1.8])  # older than one lease_s


def test_settled_and_expired_leases_do_not_count(backend: Backend) -> None:
    first, second = backend.make(), backend.make()
    first.enqueue_many(
        [Task("s", {"i": i}, backoff_base=1000.0, backoff_cap=1000.0) for i in range(4)]
    )
    held = first.lease_many(4)
    assert len(held) == 4 and len(first.lease_ages()) == 4
    assert first.ack(held[0])
    assert first.nack(held[1], "again") == TaskStatus.FAILED
    assert first.nack(held[2], "never", retry=False) == TaskStatus.DEAD
    assert len(first.lease_ages()) == 1  # only held[3] is still held
    backend.clock.advance(backend.lease_s * 1.5)
    assert first.lease_ages() == []  # expired, though nobody reclaimed it yet
    again = second.lease_many(4)
    assert [t.id for t in again] == [held[3].id]  # the failed one waits out its backoff
    ages = second.lease_ages()
    assert len(ages) == 1 and ages[0] >= 0.0
    if backend.fake:
        assert ages == [0.0]  # the reclaim is a new lease: its age starts again
    assert second.ack(again[0])
    assert second.lease_ages() == []


def test_limit_keeps_the_oldest(backend: Backend) -> None:
    q = backend.make()
    q.enqueue_many([Task("l", {"i": i}) for i in range(3)])
    for _ in range(3):
        assert q.lease() is not None
        backend.clock.advance(backend.lease_s * 0.1)
    two = q.lease_ages(2)
    assert len(two) == 2 and _oldest_first(two)
    if backend.fake:
        assert two == pytest.approx([backend.lease_s * 0.3, backend.lease_s * 0.2])
    assert q.lease_ages(0) == []


def test_leased_task_carries_its_lease_start(backend: Backend) -> None:
    q = backend.make()
    task_id = q.enqueue(Task("t"))
    before = backend.clock()
    held = q.lease()
    assert held is not None and held.leased_at is not None and held.leased_at >= before
    stored = q.get(task_id)
    assert stored is not None and stored.leased_at == held.leased_at
    assert q.ack(held)
    done = q.get(task_id)
    assert done is not None and done.leased_at is None


def test_admin_lease_ages_opens_asks_and_closes(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/queue.db"
    with from_url(url) as q:
        q.enqueue_many([Task("a"), Task("a")])
        assert q.lease() is not None
        ages = admin.lease_ages(url)
    assert len(ages) == 1 and ages[0] >= 0.0


def test_sqlite_table_from_before_leased_at_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    schema = Statements("default").schema
    old = schema.replace(", leased_at REAL", "")
    assert old != schema
    with sqlite3.connect(path) as conn:
        conn.executescript(old)
    with from_url(f"sqlite:///{path}", clock=lambda: 100.0) as q:
        q.enqueue(Task("old"))
        held = q.lease()
        assert held is not None and held.leased_at == 100.0
    with from_url(f"sqlite:///{path}", clock=lambda: 104.0) as q:  # already migrated: no-op
        assert q.lease_ages() == [4.0]
