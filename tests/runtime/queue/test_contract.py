"""The queue contract, run against every backend (memory, sqlite, redis, nats)."""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading

import pytest
from queue_helpers import Backend, hold_one_task

from petri.errors import TaskNotFound
from petri.runtime.queue import ACTIVE, TERMINAL, Queue, Task, TaskStatus


def test_statuses_split_into_terminal_and_active() -> None:
    assert set(TaskStatus) == TERMINAL | ACTIVE
    assert not TERMINAL & ACTIVE


def test_enqueue_lease_ack_round_trip(q: Queue) -> None:
    task_id = q.enqueue(Task("echo", {"n": 1, "nested": [1, "a"]}))
    task = q.lease()
    assert task is not None
    assert (task.id, task.kind, task.payload) == (task_id, "echo", {"n": 1, "nested": [1, "a"]})
    assert task.status == TaskStatus.LEASED
    assert task.attempts == 1
    assert q.lease() is None  # leased, not removed: nobody else gets it
    assert q.ack(task) is True
    assert q.ack(task) is False  # the lease is gone
    stored = q.get(task_id)
    assert stored is not None and stored.status == TaskStatus.DONE
    assert q.stats()[TaskStatus.DONE] == 1
    assert q.get("no-such-task") is None


def test_expired_lease_is_reclaimed_and_late_ack_refused(backend: Backend) -> None:
    first, second = backend.make(), backend.make()
    first.enqueue(Task("work"))
    held = first.lease()
    assert held is not None
    assert second.lease() is None
    backend.clock.advance(backend.lease_s * 1.5)
    again = second.lease()
    assert again is not None and again.id == held.id
    assert again.attempts == 2
    assert first.ack(held) is False  # the first holder lost its lease
    assert first.nack(held, "late") is None
    assert second.ack(again) is True


def test_heartbeat_extends_the_lease(backend: Backend) -> None:
    first, second = backend.make(), backend.make()
    first.enqueue(Task("work"))
    held = first.lease()
    assert held is not None
    for _ in range(3):
        backend.clock.advance(backend.lease_s * 0.6)
        assert first.heartbeat(held) is True
        assert second.lease() is None
    assert first.ack(held) is True
    assert first.heartbeat(held) is False


def test_nack_retries_after_jittered_backoff(backend: Backend) -> None:
    q = backend.make()
    task_id = q.enqueue(Task("flaky"))
    task = q.lease()
    assert task is not None
    assert q.nack(task, "boom", "Traceback: boom") == TaskStatus.FAILED
    stored = q.get(task_id)
    assert stored is not None and stored.status == TaskStatus.FAILED
    assert stored.error == "boom"
    delay = stored.not_before - backend.clock()
    assert -0.5 <= delay <= backend.base + 0.5  # full jitter: U(0, base) for the first retry
    if backend.fake and delay > 0.01:
        assert q.lease() is None
    backend.clock.advance(backend.base + 0.1)
    again = q.lease()
    assert again is not None and again.id == task_id and again.attempts == 2


def test_dead_letter_after_max_attempts_then_redrive(backend: Backend) -> None:
    q = backend.make()
    task_id = q.enqueue(Task("poison", max_attempts=2, backoff_base=0.0))
    for expected in (TaskStatus.FAILED, TaskStatus.DEAD):
        task = q.lease()
        assert task is not None
        assert q.nack(task, "bad input", "Traceback: ValueError") == expected
    assert q.lease() is None
    dead = q.dead()
    assert [t.id for t in dead] == [task_id]
    assert (dead[0].error, dead[0].traceback) == ("bad input", "Traceback: ValueError")
    assert q.stats()[TaskStatus.DEAD] == 1
    assert q.redrive([task_id, "unknown"]) == 1
    again = q.lease()
    assert again is not None and again.id == task_id and again.attempts == 1
    assert q.ack(again)
    assert q.dead() == []


def test_nack_without_retry_dead_letters_at_once(q: Queue) -> None:
    q.enqueue(Task("x"))
    task = q.lease()
    assert task is not None
    assert q.nack(task, "fatal", retry=False) == TaskStatus.DEAD


def test_reclaimed_task_with_no_attempts_left_is_dead(backend: Backend) -> None:
    q = backend.make()
    task_id = q.enqueue(Task("crasher", max_attempts=1))
    assert q.lease() is not None
    backend.clock.advance(backend.lease_s * 1.5)
    assert q.lease() is None
    stored = q.get(task_id)
    assert stored is not None and stored.status == TaskStatus.DEAD
    assert "lease expired" in (stored.error or "")


def test_priorities_then_fifo(q: Queue) -> None:
    ids = q.enqueue_many(
        [Task("p", {"i": 0}), Task("p", {"i": 1}, priority=5), Task("p", {"i": 2}, priority=1)]
    )
    ids.append(q.enqueue(Task("p", {"i": 3}, priority=5)))
    order = []
    while (task := q.lease()) is not None:
        order.append(task.payload["i"])
        q.ack(task)
    assert order == [1, 3, 2, 0]


def test_delayed_task_waits_for_not_before(backend: Backend) -> None:
    q = backend.make()
    q.enqueue(Task("later", not_before=backend.clock() + backend.lease_s))
    assert q.lease() is None
    backend.clock.advance(backend.lease_s + 0.2)
    assert q.lease() is not None


def test_dependencies_release_in_order(q: Queue) -> None:
    a = q.enqueue(Task("step", {"n": "a"}))
    b, _c = q.enqueue_many(
        [Task("step", {"n": "b"}, id="b-" + a, depends_on=(a,)), Task("step", {"n": "c"})]
    )
    assert b == "b-" + a
    d = q.enqueue(Task("step", {"n": "d"}, depends_on=(a, b), priority=9))
    first = q.lease_many(10)
    assert sorted(t.payload["n"] for t in first) == ["a", "c"]
    q.ack_many(first)
    second = q.lease_many(10)
    assert [t.id for t in second] == [b]
    q.ack(second[0])
    third = q.lease_many(10)
    assert [t.id for t in third] == [d]


def test_unknown_dependency_is_refused(q: Queue) -> None:
    with pytest.raises(TaskNotFound):
        q.enqueue_many([Task("ok"), Task("x", depends_on=("missing",))])
    assert sum(q.stats().values()) == 0


def test_dead_dependency_dead_letters_dependents(q: Queue) -> None:
    a = q.enqueue(Task("root", max_attempts=1))
    b = q.enqueue(Task("mid", depends_on=(a,)))
    c = q.enqueue(Task("leaf", depends_on=(b,)))
    task = q.lease()
    assert task is not None and task.id == a
    q.nack(task, "root failed")
    for child, parent in ((b, a), (c, b)):
        stored = q.get(child)
        assert stored is not None and stored.status == TaskStatus.DEAD
        assert stored.error == f"dependency {parent} is dead"
    late = q.enqueue(Task("late", depends_on=(a,)))
    assert q.get(late).status == TaskStatus.DEAD  # type: ignore[union-attr]
    assert q.redrive([b]) == 1  # its dependency is still dead: dead again at once
    assert q.get(b).status == TaskStatus.DEAD  # type: ignore[union-attr]
    assert q.redrive([a, b, c]) == 3
    got = q.lease_many(10)
    assert [t.id for t in got] == [a]


def test_idempotency_key_yields_one_task(q: Queue) -> None:
    first = q.enqueue(Task("once", key="k1"))
    assert q.enqueue(Task("once", key="k1")) == first
    ids = q.enqueue_many([Task("once", key="k2"), Task("once", key="k2"), Task("once", key="k1")])
    assert ids[0] == ids[1] and ids[2] == first
    assert q.stats()[TaskStatus.PENDING] == 2


def test_deadline_passed_is_dead_lettered_not_run(backend: Backend) -> None:
    q = backend.make()
    task_id = q.enqueue(Task("urgent", deadline=backend.clock() + backend.lease_s * 0.5))
    q.enqueue(Task("calm"))
    backend.clock.advance(backend.lease_s)
    got = q.lease_many(5)
    assert [t.kind for t in got] == ["calm"]
    stored = q.get(task_id)
    assert stored is not None and stored.status == TaskStatus.DEAD
    assert stored.error == "deadline passed"


def test_batch_enqueue_and_lease_many(q: Queue) -> None:
    ids = q.enqueue_many([Task("bulk", {"i": i}) for i in range(120)])
    assert len(set(ids)) == 120
    got = q.lease_many(50)
    assert len(got) == 50 and len({t.id for t in got}) == 50
    assert all(q.ack_many(got))
    stats = q.stats()
    assert (stats[TaskStatus.DONE], stats[TaskStatus.PENDING]) == (50, 70)


def test_lease_filters_by_kind(q: Queue) -> None:
    q.enqueue_many([Task("a"), Task("b"), Task("c")])
    got = q.lease_many(5, kinds=["b", "c"])
    assert sorted(t.kind for t in got) == ["b", "c"]
    assert q.lease(kinds=["zzz"]) is None
    only = q.lease()
    assert only is not None and only.kind == "a"


def test_concurrent_consumers_never_share_a_lease(backend: Backend) -> None:
    producer = backend.make()
    producer.enqueue_many([Task("c", {"i": i}) for i in range(200)])
    consumers = [backend.make() for _ in range(4)]
    seen: list[list[str]] = [[] for _ in consumers]

    def consume(index: int) -> None:
        queue = consumers[index]
        while batch := queue.lease_many(7):
            seen[index].extend(t.id for t in batch)
            assert all(queue.ack_many(batch))

    threads = [threading.Thread(target=consume, args=(i,)) for i in range(len(consumers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    every = [task_id for ids in seen for task_id in ids]
    assert len(every) == len(set(every)) == 200
    assert producer.stats()[TaskStatus.DONE] == 200


def test_killed_consumer_task_is_reclaimed(backend: Backend) -> None:
    if backend.scheme == "memory":
        pytest.skip("memory:// lives in one process")
    q = backend.make()
    task_id = q.enqueue(Task("victim"))
    ctx = multiprocessing.get_context("spawn")
    parent_end, child_end = ctx.Pipe()
    fake_now = backend.clock() if backend.fake else None
    args = (backend.url, backend.name, fake_now, backend.lease_s, child_end)
    child = ctx.Process(target=hold_one_task, args=args, daemon=True)
    child.start()
    try:
        assert parent_end.poll(30), "the child never leased"
        assert parent_end.recv() == task_id
    finally:
        os.kill(child.pid or 0, signal.SIGKILL)
        child.join(10)
    assert q.lease() is None  # still held by the dead child's lease
    backend.clock.advance(backend.lease_s * 1.5)
    again = q.lease()
    assert again is not None and again.id == task_id and again.attempts == 2
    assert q.ack(again)
