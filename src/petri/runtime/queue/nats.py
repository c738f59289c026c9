"""``nats://host:port``: a JetStream work-queue stream dispatches, a KV bucket holds the truth.

Each ready task is one message ``{id, gen}`` on its lane's subject ``petri.q.<name>.<prio>.<kind>``
in a work-queue stream with one durable pull consumer per lane (explicit ack, ``ack_wait`` = the
lease). The task record lives in the KV bucket ``petri_q_<name>``; every transition is a
compare-and-set on the record's revision, so two consumers can never both win a lease.

Native pieces: the message stays in the stream until acked (at-least-once), ``ack_wait``
redelivers it when a consumer dies (reclaim), ``+WPI`` (in progress) is the heartbeat, and
``-NAK`` with a delay is the backoff. What JetStream cannot express is done on the record:

- Priorities: lanes are read highest priority first (subjects found with ``stream_info``).
- Lease expiry is also written on the record (queue clock), so a redelivered message whose
  lease a heartbeat extended is nak'ed again, and a late ack of a lost lease is refused.
- Delays: a message fetched before its ``not_before`` is nak'ed with the remaining delay.
- Dependencies: records keep ``waiting`` (deps not done) and ``dependents``; the ready message is
  published when ``waiting`` empties. Idempotency keys are KV ``create`` (fails if present).
- A message whose ``gen`` differs from the record's is stale (the task moved on) and is dropped.
- ``stats``, ``dead`` and ``redrive`` scan the bucket (O(tasks)): inspection, not the hot path.
- The acking process dying between marking a task done and publishing its released dependents
  leaves those dependents waiting; ``redrive`` does not help them (they are not dead). Known gap.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import SplitResult

from petri.errors import BackendError, TaskNotFound
from petri.runtime.queue.base import Queue
from petri.runtime.queue.nats_io import Link, Loop
from petri.runtime.queue.task import Task, TaskStatus, unrunnable

Record = dict[str, Any]
_OPEN = (TaskStatus.PENDING.value, TaskStatus.FAILED.value)


def _key(task_id: str) -> str:
    return "t." + task_id.encode().hex()


def _task(rec: Record) -> Task:
    return Task.from_json(json.dumps(rec["task"]))


class NatsQueue(Queue):
    """Queue on a NATS server with JetStream enabled (``nats-server -js``)."""

    scheme = "nats"

    def __init__(self, url: SplitResult | None = None, **options: Any) -> None:
        super().__init__(**options)
        self.url = url.geturl().split("?")[0] if url else "nats://127.0.0.1:4222"
        self._loop: Loop | None = None
        self._link = Link(self.url, self.name, self.lease_s)

    def _run(self, coro: Any) -> Any:
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

    async def _mutate(self, task_id: str, change: Callable[[Record], bool]) -> Record | None:
        """Apply ``change`` to a record with compare-and-set, retrying lost races."""
        while True:
            got = await self._link.get(_key(task_id))
            if got is None:
                return None
            rec, revision = got
            if not change(rec):
                return None
            if await self._link.update(_key(task_id), rec, revision) is not None:
                return rec

    async def _publish(self, rec: Record) -> None:
        task = rec["task"]
        prio = task["priority"]
        lane = (
            (f"p{prio:06d}" if prio >= 0 else f"m{-prio:06d}") + "." + task["kind"].encode().hex()
        )
        body = json.dumps({"id": task["id"], "gen": rec["gen"]}).encode()
        await self._link.js.publish(f"{self._link.subject}.{lane}", body)

    # -- enqueue ----------------------------------------------------------------------------

    def _enqueue(self, tasks: list[Task], now: float) -> list[str]:
        return list(self._run(self._enqueue_async(tasks, now)))

    async def _enqueue_async(self, tasks: list[Task], now: float) -> list[str]:
        batch = {t.id for t in tasks}
        outside = {d for t in tasks for d in t.depends_on} - batch
        found = await asyncio.gather(*(self._link.get(_key(d)) for d in outside))
        for dep, got in zip(outside, found, strict=True):
            if got is None:
                raise TaskNotFound(f"dependency {dep} is not a task of this queue")
        free = [t for t in tasks if not t.depends_on]
        ids = dict(
            zip((t.id for t in free), await asyncio.gather(*map(self._add, free)), strict=True)
        )
        for task in tasks:
            if task.depends_on:
                ids[task.id] = await self._add(task)
        return [ids[t.id] for t in tasks]

    async def _add(self, task: Task) -> str:
        if task.key and not await self._link.create("k." + task.key.encode().hex(), task.id):
            existing = await self._link.raw("k." + task.key.encode().hex())
            return existing or task.id
        rec: Record = {"task": json.loads(task.to_json()), "gen": 0, "dependents": []}
        rec["waiting"] = list(task.depends_on)
        await self._link.create(_key(task.id), rec)
        for dep in task.depends_on:
            status = await self._link_child(dep, task.id)
            if status == TaskStatus.DEAD.value:
                await self._kill(task.id, f"dependency {dep} is dead", None)
            elif status == TaskStatus.DONE.value:
                await self._release(task.id, dep)
        if not task.depends_on:
            await self._publish(rec)
        return task.id

    async def _link_child(self, dep: str, child: str) -> str:
        """Record ``child`` as a dependent of ``dep``; return dep's status at that moment."""
        seen: list[str] = []

        def change(rec: Record) -> bool:
            seen[:] = [rec["task"]["status"]]
            if seen[0] == TaskStatus.DONE.value:
                return False
            rec["dependents"].append(child)
            return True

        await self._mutate(dep, change)
        return seen[0] if seen else TaskStatus.DEAD.value

    async def _release(self, child: str, dep: str) -> None:
        """Dependency ``dep`` is done: drop it from ``child``'s waiting list, maybe publish."""

        def change(rec: Record) -> bool:
            if dep not in rec["waiting"]:
                return False
            rec["waiting"].remove(dep)
            return True

        rec = await self._mutate(child, change)
        if rec and not rec["waiting"] and rec["task"]["status"] in _OPEN:
            await self._publish(rec)

    # -- lease ------------------------------------------------------------------------------

    def _lease(
        self, n: int, kinds: list[str] | None, now: float, until: float
    ) -> tuple[list[Task], list[Task]]:
        leased: list[Task] = []
        buried: list[Task] = []
        self._run(self._lease_async(n, kinds, now, until, out=(leased, buried)))
        return leased, buried

    async def _lease_async(
        self,
        n: int,
        kinds: list[str] | None,
        now: float,
        until: float,
        *,
        out: tuple[list[Task], list[Task]],
    ) -> None:
        leased, buried = out
        wanted = None if kinds is None else {k.encode().hex() for k in kinds}
        lanes = sorted(await self._link.lanes(), key=_lane_rank)
        for subject in lanes:
            if wanted is not None and subject.rsplit(".", 1)[-1] not in wanted:
                continue
            while len(leased) < n:
                msgs = await self._link.pull(subject, n - len(leased))
                await asyncio.gather(*(self._take(m, now, until, leased, buried) for m in msgs))
                if not msgs:
                    break
            if len(leased) >= n:
                return

    async def _take(
        self, msg: Any, now: float, until: float, leased: list[Task], buried: list[Task]
    ) -> None:
        """Decide what one delivered message means: lease it, defer it, drop it or bury it."""
        note = json.loads(msg.data)
        got = await self._link.get(_key(note["id"]))
        rec, revision = got if got else ({}, 0)
        if not rec or rec["gen"] != note["gen"] or rec["task"]["status"] in ("done", "dead"):
            await msg.term()  # stale: the task moved on since this message was published
            return
        task = _task(rec)
        wait = (task.lease_expires or 0.0) if task.status == TaskStatus.LEASED else task.not_before
        if wait > now:
            await msg.nak(delay=wait - now)  # delayed, or its holder heartbeated: not yet
            return
        reason = unrunnable(task, now)
        if reason:
            await self._kill(task.id, reason, None)
            await msg.term()
            buried.append(Task(task.kind, id=task.id, status=TaskStatus.DEAD, error=reason))
            return
        task.status, task.owner, task.lease_expires = TaskStatus.LEASED, self.consumer, until
        task.attempts += 1
        task.token = msg.reply
        rec["task"] = json.loads(task.to_json())
        if await self._link.update(_key(task.id), rec, revision) is None:
            await msg.nak()  # another writer won; the message comes back
            return
        leased.append(task)

    # -- holder's steps ---------------------------------------------------------------------

    def _holding(self, task: Task, then: Callable[[Record], None]) -> Callable[[Record], bool]:
        def change(rec: Record) -> bool:
            t = rec["task"]
            held = t["status"] == "leased" and t["owner"] == task.owner
            if not held or t["attempts"] != task.attempts:
                return False
            then(t)
            return True

        return change

    async def _signal(self, task: Task, verb: bytes) -> None:
        """Ack, nak, term or touch the delivered message, and wait until the server applied it."""
        if task.token:
            await self._link.nc.request(task.token, verb, timeout=10)

    def _heartbeat(self, task: Task, until: float) -> bool:
        async def beat() -> bool:
            rec = await self._mutate(
                task.id, self._holding(task, lambda t: t.update(lease_expires=until))
            )
            if rec:
                await self._signal(task, b"+WPI")
            return rec is not None

        return bool(self._run(beat()))

    def _ack(self, tasks: list[Task], now: float) -> list[bool]:
        async def one(task: Task) -> bool:
            done = {"status": "done", "owner": None, "lease_expires": None}
            rec = await self._mutate(task.id, self._holding(task, lambda t: t.update(done)))
            if rec is None:
                return False
            await self._signal(task, b"+ACK")
            for child in rec["dependents"]:
                await self._release(child, task.id)
            return True

        async def all_of() -> list[bool]:
            return list(await asyncio.gather(*map(one, tasks)))

        return list(self._run(all_of()))

    def _retry(self, task: Task, not_before: float, error: str, tb: str, now: float) -> bool:
        def fail(t: Record) -> None:
            t.update(status="failed", owner=None, lease_expires=None, not_before=not_before)
            t.update(error=error, traceback=tb)

        async def run() -> bool:
            rec = await self._mutate(task.id, self._holding(task, fail))
            if rec is None:
                return False
            delay_ns = int(max(not_before - now, 0.0) * 1e9)
            verb = b"-NAK " + json.dumps({"delay": delay_ns}).encode() if delay_ns else b"-NAK"
            await self._signal(task, verb)
            return True

        return bool(self._run(run()))

    def _bury(self, task: Task, error: str, tb: str, now: float) -> bool:
        async def run() -> bool:
            rec = await self._mutate(task.id, self._holding(task, lambda t: None))
            if rec is None:
                return False
            await self._kill(task.id, error, tb)
            await self._signal(task, b"+TERM")
            return True

        return bool(self._run(run()))

    async def _kill(self, task_id: str, error: str, tb: str | None) -> None:
        """Dead-letter a task and, transitively, its unfinished dependents."""
        stack = [(task_id, error, tb)]
        while stack:
            current, reason, trace = stack.pop()

            def change(rec: Record, reason: str = reason, trace: str | None = trace) -> bool:
                t = rec["task"]
                if t["status"] in ("done", "dead"):
                    return False
                t.update(status="dead", owner=None, lease_expires=None)
                t.update(error=reason, traceback=trace)
                return True

            rec = await self._mutate(current, change)
            for child in rec["dependents"] if rec else []:
                stack.append((child, f"dependency {current} is dead", None))

    # -- inspection -------------------------------------------------------------------------

    async def _all(self) -> list[Record]:
        keys = [k for k in await self._link.keys() if k.startswith("t.")]
        got = await asyncio.gather(*(self._link.get(k) for k in keys))
        return [g[0] for g in got if g]

    def _get(self, task_id: str) -> Task | None:
        got = self._run(self._link.get(_key(task_id)))
        return _task(got[0]) if got else None

    def _dead(self, limit: int) -> list[Task]:
        tasks = [_task(r) for r in self._run(self._all())]
        dead = sorted(
            (t for t in tasks if t.status == TaskStatus.DEAD), key=lambda t: t.enqueued_at
        )
        return dead[:limit]

    def _stats(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for rec in self._run(self._all()):
            status = rec["task"]["status"]
            counts[status] = counts.get(status, 0) + 1
        return counts

    def _redrive(self, ids: list[str], now: float) -> int:
        return int(self._run(self._redrive_async(ids, now)))

    async def _redrive_async(self, ids: list[str], now: float) -> int:
        revived = [r for r in [await self._mutate(i, lambda r: _revive(r, now)) for i in ids] if r]
        for rec in revived:
            task_id = rec["task"]["id"]
            for dep in rec["task"]["depends_on"]:
                got = await self._link.get(_key(dep))
                status = got[0]["task"]["status"] if got else "dead"
                if status == "dead":
                    await self._kill(task_id, f"dependency {dep} is dead", None)
                    break
                if status == "done":
                    await self._release(task_id, dep)  # publishes when it was the last one
            if not rec["task"]["depends_on"]:
                await self._publish(rec)
        return len(revived)

    def _close(self) -> None:
        if self._loop is not None:
            # Closing a broken connection must not mask the error that broke it.
            with contextlib.suppress(Exception):
                self._loop.run(self._link.close(), timeout=10)
            self._loop.stop()
            self._loop = None


def _revive(rec: Record, now: float) -> bool:
    """Dead -> pending with fresh attempts and a new generation (old messages become stale)."""
    task = rec["task"]
    if task["status"] != "dead":
        return False
    task.update(status="pending", attempts=0, not_before=now, owner=None, lease_expires=None)
    rec["gen"] += 1
    rec["waiting"] = list(task["depends_on"])
    return True


def _lane_rank(subject: str) -> tuple[int, str]:
    """Sort key of a lane subject ``...<p|m><priority>.<kindhex>``: highest priority first."""
    token, kind = subject.rsplit(".", 2)[-2:]
    prio = int(token[1:]) * (1 if token[0] == "p" else -1)
    return -prio, kind
