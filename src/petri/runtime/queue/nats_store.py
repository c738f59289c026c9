"""The NATS queue's record operations: create, compare-and-set, publish, dependencies, scans.

Everything here is a coroutine on the link's loop; each batch sends all its writes before it
waits once for their acks, so a batch costs one round trip per step, not one per task.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from typing import Any

from petri.errors import TaskNotFound
from petri.runtime.queue import nats_records as nr
from petri.runtime.queue.nats_io import Link, revision
from petri.runtime.queue.task import Task, TaskStatus

Doomed = tuple[str, str, str | None]  # task id, reason, traceback
_CHUNK = 64  # creates confirmed at a time before their ready messages go out


class Records:
    """Task records in the KV bucket and ready messages in the stream, over one link."""

    def __init__(self, link: Link) -> None:
        self.link = link

    async def mutate(
        self, task_id: str, change: nr.Change, hint: tuple[int, bytes] | None = None
    ) -> nr.Stored | None:
        """Apply ``change`` with compare-and-set, retrying lost races; None if it declined.

        ``hint`` (revision, bytes) is a version of the record believed current: tried first
        without a read; when it is stale the write fails and the loop reads the record.
        """
        key = nr.record_key(task_id)
        while True:
            got = (hint[1], hint[0]) if hint else await self.link.get(key)
            hint = None
            if got is None:
                return None
            rec = json.loads(got[0])
            if not change(rec):
                return None
            body = nr.encode(rec)
            (ack,) = await self.link.gather([await self.link.write(key, body, got[1])])
            rev = revision(ack)
            if rev is not None:
                return nr.Stored(rec, body, rev)

    # -- enqueue ----------------------------------------------------------------------------

    async def enqueue(self, tasks: list[Task]) -> list[str]:
        """Store tasks (checked dependencies first); return ids in order, deduplicated by key."""
        batch = {t.id for t in tasks}
        outside = sorted({d for t in tasks for d in t.depends_on} - batch)
        found = await self.link.get_many([nr.record_key(d) for d in outside])
        for dep, got in zip(outside, found, strict=True):
            if got is None:
                raise TaskNotFound(f"dependency {dep} is not a task of this queue")
        ids, _ = await self._create([t for t in tasks if not t.depends_on], announce=True)
        for task in tasks:
            if task.depends_on:
                ids[task.id] = await self._add_dependent(task)
        return [ids[t.id] for t in tasks]

    async def _claim_keys(self, tasks: list[Task]) -> dict[str, str]:
        """Claim the idempotency keys of tasks; map those whose key was taken to its owner."""
        taken: dict[str, str] = {}
        keyed = [t for t in tasks if t.key]
        claims = [
            await self.link.write(nr.idempotency_key(t.key or ""), t.id.encode(), 0) for t in keyed
        ]
        for task, ack in zip(keyed, await self.link.gather(claims), strict=True):
            if revision(ack) is None:
                got = await self.link.get(nr.idempotency_key(task.key or ""))
                taken[task.id] = got[0].decode() if got else task.id
        return taken

    async def _create(
        self, tasks: list[Task], *, announce: bool
    ) -> tuple[dict[str, str], list[nr.Stored]]:
        """Create the records of tasks (and with ``announce`` publish their ready messages).

        All creates go out before any ack is awaited; each ready message goes out, in task
        order, as soon as its record is confirmed, so the two steps overlap. Returns the id each
        task resolves to (an earlier task's for a known key) and the records created.
        """
        taken = await self._claim_keys(tasks)
        fresh = [nr.new_record(t) for t in tasks if t.id not in taken]
        bodies = [nr.encode(rec) for rec in fresh]
        writes = [
            await self.link.write(nr.record_key(rec["task"]["id"]), body, 0)
            for rec, body in zip(fresh, bodies, strict=True)
        ]
        created: list[nr.Stored] = []
        notes = []
        for at in range(0, len(writes), _CHUNK):
            acks = await self.link.gather(writes[at : at + _CHUNK])
            for rec, body, ack in zip(fresh[at:], bodies[at:], acks, strict=False):
                rev = revision(ack)  # None: a task with this id exists; it stays as it is
                if rev is not None:
                    created.append(nr.Stored(rec, body, rev))
                    notes += [await self._note(created[-1])] if announce else []
        await self._confirm(notes)
        return {t.id: taken.get(t.id, t.id) for t in tasks}, created

    async def _note(self, stored: nr.Stored) -> asyncio.Future[Any]:
        subject = f"{self.link.subject}.{nr.lane(stored.rec['task'])}"
        return await self.link.send(subject, nr.note(stored.body, stored.rev))

    async def _confirm(self, sends: list[asyncio.Future[Any]]) -> None:
        for ack in await self.link.gather(sends):
            revision(ack)  # raises when the stream refused the message

    async def publish(self, stored: Sequence[nr.Stored]) -> None:
        """Publish the ready messages of records, in order, waiting once for all acks."""
        await self._confirm([await self._note(s) for s in stored])

    async def _add_dependent(self, task: Task) -> str:
        ids, created = await self._create([task], announce=False)
        if not created:
            return ids[task.id]
        for dep in task.depends_on:
            status = await self._link_child(dep, task.id)
            if status == TaskStatus.DEAD.value:
                await self.kill([(task.id, f"dependency {dep} is dead", None)])
            elif status == TaskStatus.DONE.value:
                await self.release(task.id, dep)
        return task.id

    async def _link_child(self, dep: str, child: str) -> str:
        """Record ``child`` as a dependent of ``dep``; return dep's status at that moment."""
        seen: list[str] = []

        def change(rec: nr.Record) -> bool:
            seen[:] = [rec["task"]["status"]]
            if seen[0] == TaskStatus.DONE.value:
                return False
            rec["dependents"].append(child)
            return True

        await self.mutate(dep, change)
        return seen[0] if seen else TaskStatus.DEAD.value

    # -- settling ---------------------------------------------------------------------------

    async def release(self, child: str, dep: str) -> None:
        """Dependency ``dep`` is done: drop it from ``child``'s waiting list, maybe publish."""

        def change(rec: nr.Record) -> bool:
            if dep not in rec["waiting"]:
                return False
            rec["waiting"].remove(dep)
            return True

        stored = await self.mutate(child, change)
        if stored and not stored.rec["waiting"] and stored.rec["task"]["status"] in nr.OPEN:
            await self.publish([stored])

    async def kill(self, doomed: list[Doomed]) -> None:
        """Dead-letter tasks and, transitively, their unfinished dependents."""
        stack = list(doomed)
        while stack:
            current, reason, trace = stack.pop()
            stored = await self.mutate(current, nr.kill(reason, trace))
            for child in stored.rec["dependents"] if stored else []:
                stack.append((child, f"dependency {current} is dead", None))

    async def redrive(self, ids: list[str], now: float) -> int:
        """Revive dead tasks; publish those ready, re-bury those whose dependency is dead."""
        revived = [s for s in [await self.mutate(i, nr.revive(now)) for i in ids] if s]
        for stored in revived:
            task = stored.rec["task"]
            deps = await self.link.get_many([nr.record_key(d) for d in task["depends_on"]])
            for dep, got in zip(task["depends_on"], deps, strict=True):
                status = json.loads(got[0])["task"]["status"] if got else "dead"
                if status == "dead":
                    await self.kill([(task["id"], f"dependency {dep} is dead", None)])
                    break
                if status == "done":
                    await self.release(task["id"], dep)  # publishes when it was the last one
            if not task["depends_on"]:
                await self.publish([stored])
        return len(revived)

    async def scan(self) -> list[nr.Record]:
        """Every task record of the bucket (O(tasks): inspection, not the hot path)."""
        keys = [k for k in await self.link.keys() if k.startswith("t.")]
        return [json.loads(got[0]) for got in await self.link.get_many(keys) if got]
