"""``nats://host:port``: a JetStream work-queue stream dispatches, a KV bucket holds the truth.

Each ready task is one message (see ``nats_records``) on its lane's subject
``petri.q.<name>.<prio>.<kind>`` in a work-queue stream with one durable pull consumer per lane
(explicit ack, ``ack_wait`` = the lease). The task record lives in the KV bucket
``petri_q_<name>``; every transition is a compare-and-set on the record's revision, so two
consumers can never both win a lease.

Native pieces: the message stays in the stream until acked (at-least-once), ``ack_wait``
redelivers it when a consumer dies (reclaim), ``+WPI`` (in progress) is the heartbeat, and
``-NAK`` with a delay is the backoff. What JetStream cannot express is done on the record:

- Priorities: lanes are read highest priority first (subjects found with stream info).
- Lease expiry is also written on the record (queue clock), so a redelivered message whose
  lease a heartbeat extended is nak'ed again, and a late ack of a lost lease is refused.
- Delays: a message fetched before its ``not_before`` is nak'ed with the remaining delay.
- Dependencies: records keep ``waiting`` (deps not done) and ``dependents``; the ready message is
  published when ``waiting`` empties. Idempotency keys are KV creates (fail if present).
- A message whose ``gen`` differs from the record's is stale (the task moved on) and is dropped.
- ``stats``, ``dead``, ``redrive`` and ``lease_ages`` scan the bucket (O(tasks)): inspection,
  not the hot path. JetStream lists no consumer's unacked messages, and a lease index in the
  bucket would cost a write per lease and ack, so the records' lease fields are the index.
- The acking process dying between marking a task done and publishing its released dependents
  leaves those dependents waiting; ``redrive`` does not help them (they are not dead). Known gap.

Round trips are batched (``nats_store``), leases are claimed and remembered without reading the
record first (``nats_lease``), and the ``+ACK`` of a done task is not waited for: if it is lost,
the redelivered message finds the record done and is dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Coroutine
from typing import Any
from urllib.parse import SplitResult

from petri.errors import BackendError, TaskNotFound
from petri.runtime.queue import nats_records as nr
from petri.runtime.queue.base import Queue
from petri.runtime.queue.nats_io import Link, Loop, revision
from petri.runtime.queue.nats_lease import Leases, Lot
from petri.runtime.queue.nats_store import Records
from petri.runtime.queue.task import Task, TaskStatus


class NatsQueue(Queue):
    """Queue on a NATS server with JetStream enabled (``nats-server -js``)."""

    scheme = "nats"

    def __init__(self, url: SplitResult | None = None, **options: Any) -> None:
        super().__init__(**options)
        self.url = url.geturl().split("?")[0] if url else "nats://127.0.0.1:4222"
        self._loop: Loop | None = None
        self._link = Link(self.url, self.name, self.lease_s)
        self._records = Records(self._link)
        self._leases = Leases(self._link, self._records, self.consumer)

    def _run(self, coro: Coroutine[Any, Any, Any]) -> Any:
        """Run a coroutine on the private loop; foreign errors become ``BackendError``."""
        if self._loop is None:
            self._loop = Loop()
            try:
                self._loop.run(self._link.open())
            except Exception as exc:
                self._close()
                raise BackendError(f"nats queue at {self.url}: {exc!r}") from exc
        try:
            return self._loop.run(coro)
        except (BackendError, TaskNotFound):
            raise
        except Exception as exc:
            raise BackendError(f"nats queue {self.name}: {exc!r}") from exc

    def _enqueue(self, tasks: list[Task], now: float) -> list[str]:
        return list(self._run(self._records.enqueue(tasks)))

    # -- lease ------------------------------------------------------------------------------

    def _lease(self, n: int, kinds: list[str] | None, now: float, until: float) -> Lot:
        lot: Lot = self._run(self._leases.take(n, kinds, now, until))
        return lot

    # -- holder's steps ---------------------------------------------------------------------

    def _heartbeat(self, task: Task, until: float) -> bool:
        async def beat() -> bool:
            change = nr.holding(task, lambda t: t.update(lease_expires=until))
            stored = await self._records.mutate(task.id, change, self._leases.hint(task))
            if stored is None:
                return False
            self._leases.hold(task, stored.rev, stored.body, nr.lease_block(stored.rec["task"]))
            if task.token:
                await self._link.signal(task.token, b"+WPI", wait=True)
            return True

        return bool(self._run(beat()))

    def _ack(self, tasks: list[Task], now: float) -> list[bool]:
        return list(self._run(self._ack_async(tasks)))

    async def _ack_async(self, tasks: list[Task]) -> list[bool]:
        """Write every remembered lease done in one batch; the others go through reads."""
        flags = [False] * len(tasks)
        tried: list[tuple[int, list[str] | None]] = []
        writes = []
        for i, task in enumerate(tasks):
            done = self._leases.done(task)
            if done is not None:
                tried.append((i, done[2]))
                writes.append(await self._link.write(nr.record_key(task.id), done[1], done[0]))
        released: list[tuple[str, str]] = []
        for (i, dependents), ack in zip(tried, await self._link.gather(writes), strict=True):
            if revision(ack) is not None:
                flags[i] = True
                released += [(child, tasks[i].id) for child in dependents or []]
                await self._leases.settled(tasks[i], b"+ACK", wait=False)
        for child, dep in released:
            await self._records.release(child, dep)
        rest = [i for i in range(len(tasks)) if not flags[i]]
        late = await asyncio.gather(*(self._ack_read(tasks[i]) for i in rest))
        for i, ok in zip(rest, late, strict=True):
            flags[i] = ok
        return flags

    async def _ack_read(self, task: Task) -> bool:
        stored = await self._records.mutate(task.id, nr.holding(task, lambda t: t.update(nr.DONE)))
        if stored is None:
            return False
        await self._leases.settled(task, b"+ACK", wait=False)
        for child in stored.rec["dependents"]:
            await self._records.release(child, task.id)
        return True

    def _retry(self, task: Task, not_before: float, error: str, tb: str, now: float) -> bool:
        def fail(t: nr.Record) -> None:
            t.update(status="failed", owner=None, lease_expires=None, leased_at=None)
            t.update(not_before=not_before)
            t.update(error=error, traceback=tb)

        async def run() -> bool:
            change = nr.holding(task, fail)
            if await self._records.mutate(task.id, change, self._leases.hint(task)) is None:
                return False
            delay_ns = int(max(not_before - now, 0.0) * 1e9)
            verb = b"-NAK " + json.dumps({"delay": delay_ns}).encode() if delay_ns else b"-NAK"
            await self._leases.settled(task, verb, wait=True)
            return True

        return bool(self._run(run()))

    def _bury(self, task: Task, error: str, tb: str, now: float) -> bool:
        async def run() -> bool:
            change = nr.holding(task, lambda t: nr.kill(error, tb)({"task": t}))
            stored = await self._records.mutate(task.id, change, self._leases.hint(task))
            if stored is None:
                return False
            reason = f"dependency {task.id} is dead"
            await self._records.kill([(child, reason, None) for child in stored.rec["dependents"]])
            await self._leases.settled(task, b"+TERM", wait=True)
            return True

        return bool(self._run(run()))

    # -- inspection -------------------------------------------------------------------------

    def _get(self, task_id: str) -> Task | None:
        got = self._run(self._link.get(nr.record_key(task_id)))
        return nr.to_task(json.loads(got[0])["task"]) if got else None

    def _dead(self, limit: int) -> list[Task]:
        tasks = [nr.to_task(rec["task"]) for rec in self._run(self._records.scan())]
        dead = sorted(
            (t for t in tasks if t.status == TaskStatus.DEAD), key=lambda t: t.enqueued_at
        )
        return dead[:limit]

    def _stats(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for rec in self._run(self._records.scan()):
            status = rec["task"]["status"]
            counts[status] = counts.get(status, 0) + 1
        return counts

    def _lease_starts(self, now: float, limit: int) -> list[float]:
        starts: list[float] = []
        for rec in self._run(self._records.scan()):
            t = rec["task"]
            live = t["status"] == TaskStatus.LEASED.value and (t["lease_expires"] or 0.0) > now
            if live and t.get("leased_at") is not None:  # older records have no leased_at
                starts.append(float(t["leased_at"]))
        return starts

    def _redrive(self, ids: list[str], now: float) -> int:
        return int(self._run(self._records.redrive(ids, now)))

    def _close(self) -> None:
        if self._loop is not None:
            # Closing a broken connection must not mask the error that broke it.
            with contextlib.suppress(Exception):
                self._loop.run(self._link.close(), timeout=10)
            self._loop.stop()
            self._loop = None
