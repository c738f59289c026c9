"""What the NATS queue does beyond the shared contract: remembered leases and stale messages."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from queue_helpers import on_link

from petri.runtime.queue import Queue, Task, TaskStatus, from_url
from petri.runtime.queue import nats_records as nr
from petri.runtime.queue.nats_io import Link, revision


class Opener:
    """Handles on one private queue of the session's nats-server, closed after the test."""

    def __init__(self, url: str) -> None:
        self.url, self.name = url, "n" + uuid.uuid4().hex[:10]
        self.opened: list[Queue] = []

    def __call__(self, lease_s: float = 30.0, consumer: str | None = None) -> Queue:
        queue = from_url(self.url, name=self.name, lease_s=lease_s, consumer=consumer)
        self.opened.append(queue)
        return queue


@pytest.fixture
def opener(nats_url: str) -> Iterator[Opener]:
    made = Opener(nats_url)
    yield made
    for queue in made.opened:
        queue.close()


async def _publish(link: Link, rec: dict[str, Any], body: bytes) -> None:
    subject = f"{link.subject}.{nr.lane(rec['task'])}"
    revision(await link.request(subject, body))


def test_payload_that_mimics_lease_fields_survives_lease_and_ack(opener: Opener) -> None:
    q = opener()
    decoy = {"status": "pending", "attempts": 0, "owner": None, "lease_expires": None}
    payload = {"decoy": decoy, "text": '"status":"pending","attempts":0', "token": None}
    task_id = q.enqueue(Task("mimic", payload))
    task = q.lease()
    assert task is not None and task.payload == payload
    stored = q.get(task_id)
    assert stored is not None
    assert (stored.status, stored.attempts, stored.owner) == ("leased", 1, q.consumer)
    assert (stored.payload, stored.token) == (payload, task.token)
    task.payload["decoy"]["status"] = "changed by the handler"  # never written back
    assert q.ack(task) is True
    done = q.get(task_id)
    assert done is not None and done.status == TaskStatus.DONE
    assert (done.payload, done.owner, done.lease_expires) == (payload, None, None)


def test_another_handle_of_the_same_consumer_acks_through_a_read(opener: Opener) -> None:
    first, second = opener(consumer="c1"), opener(consumer="c1")
    first.enqueue_many([Task("w", {"i": i}) for i in range(3)])
    held = first.lease_many(3)
    assert len(held) == 3
    assert second.ack_many(held) == [True, True, True]  # it never saw these leases
    assert first.ack_many(held) == [False, False, False]  # what it remembers is stale now
    assert first.stats()[TaskStatus.DONE] == 3


def test_a_remembered_lease_of_an_older_attempt_is_refused(opener: Opener) -> None:
    q = opener(lease_s=1.0)
    q.enqueue(Task("slow"))
    old = q.lease()
    assert old is not None
    new = None
    deadline = time.monotonic() + 30
    while new is None and time.monotonic() < deadline:
        time.sleep(0.2)
        new = q.lease()  # once the lease expires, the same handle reclaims it: attempt 2
    assert new is not None and new.attempts == 2
    assert q.ack(old) is False
    assert q.heartbeat(old) is False
    assert q.ack(new) is True


def test_a_message_of_a_done_task_is_dropped(opener: Opener) -> None:
    q = opener()
    task_id = q.enqueue(Task("once"))
    task = q.lease()
    assert task is not None and q.ack(task)

    async def send_again(link: Link) -> None:  # as a lost ack would leave the message
        got = await link.get(nr.record_key(task_id))
        assert got is not None
        await _publish(link, json.loads(got[0]), nr.note(got[0], got[1]))

    on_link(opener.url, opener.name, send_again)
    assert q.lease() is None
    stored = q.get(task_id)
    assert stored is not None and (stored.status, stored.attempts) == ("done", 1)
    assert q.lease() is None  # the stale message was dropped, not deferred


def test_a_message_of_the_older_format_is_leased_through_a_read(opener: Opener) -> None:
    rec = nr.new_record(Task("old", id="legacy-1", max_attempts=3, enqueued_at=time.time()))

    async def enqueue_the_old_way(link: Link) -> None:
        revision(
            (await link.gather([await link.write(nr.record_key("legacy-1"), nr.encode(rec), 0)]))[0]
        )
        await _publish(link, rec, json.dumps({"id": "legacy-1", "gen": 0}).encode())

    on_link(opener.url, opener.name, enqueue_the_old_way)
    q = opener()
    task = q.lease()
    assert task is not None and (task.id, task.attempts, task.status) == ("legacy-1", 1, "leased")
    assert q.ack(task) is True
    assert q.stats()[TaskStatus.DONE] == 1


def test_a_closed_handle_reconnects_on_next_use(opener: Opener) -> None:
    q = opener()
    q.enqueue(Task("first"))
    held = q.lease()
    q.close()
    assert held is not None and q.ack(held) is True  # a fresh connection, the lease remembered
    q.enqueue(Task("second"))
    again = q.lease()
    assert again is not None and again.kind == "second" and q.ack(again)
    assert q.stats()[TaskStatus.DONE] == 2
