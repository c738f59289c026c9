"""The NATS queue's leases: taking delivered messages, and the leases a handle remembers.

A lease is won by a compare-and-set of the task's record. A delivered note carries the record
it announced and that record's revision, so when the note says its task is leasable, the claim is
written at that revision without reading first; a stale note just fails the write and the task's
record is read instead (see ``nats_records``). The handle then remembers each lease it holds as
written, so ack, heartbeat and nack write without reading too.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from petri.runtime.queue import nats_records as nr
from petri.runtime.queue.nats_io import Link, revision
from petri.runtime.queue.nats_store import Records
from petri.runtime.queue.task import Task, TaskStatus, unrunnable

_MAX_HELD = 65_536  # remembered leases per handle; beyond it the oldest fall back to reads
Lot = tuple[list[Task], list[Task]]  # (leased, buried) of one lease call


class Leases:
    """Leases taken by one consumer over one link, and the ones it still holds."""

    def __init__(self, link: Link, records: Records, consumer: str) -> None:
        self.link, self.records, self.consumer = link, records, consumer
        # id -> (attempts, revision, bytes, lease fields as encoded) of each lease held
        self.held: dict[str, tuple[int, int, bytes, bytes]] = {}

    async def take(self, n: int, kinds: list[str] | None, now: float, until: float) -> Lot:
        """Lease up to ``n`` tasks of ``kinds``, best lane first; return (leased, buried)."""
        lot: Lot = ([], [])
        wanted = None if kinds is None else {k.encode().hex() for k in kinds}
        for subject in sorted(await self.link.lanes(), key=nr.lane_rank):
            if wanted is not None and subject.rsplit(".", 1)[-1] not in wanted:
                continue
            while len(lot[0]) < n:
                want = n - len(lot[0])
                msgs = await self.link.pull(subject, want)
                await self._take_all(msgs, now, until, lot)
                if len(msgs) < want:
                    break  # the lane had no more for now: asking again costs a round trip
            if len(lot[0]) >= n:
                break
        return lot

    async def _take_all(self, msgs: list[Any], now: float, until: float, lot: Lot) -> None:
        """Claim every leasable note at its own revision in one batch; read for the rest."""
        claims: list[tuple[Any, Task, bytes, bytes]] = []
        writes = []
        slow = []
        for msg in msgs:
            claim = self._claim(msg, now, until)
            if claim is None:
                slow.append(msg)
                continue
            task, body, block, last = claim
            claims.append((msg, task, body, block))
            writes.append(await self.link.write(nr.record_key(task.id), body, last))
        acks = await self.link.gather(writes)
        for (msg, task, body, block), ack in zip(claims, acks, strict=True):
            rev = revision(ack)
            if rev is None:
                slow.append(msg)  # the record moved on since the note was published
                continue
            self.hold(task, rev, body, block)
            lot[0].append(task)
        await asyncio.gather(*(self._take(msg, now, until, lot) for msg in slow))

    def _claim(self, msg: Any, now: float, until: float) -> tuple[Task, bytes, bytes, int] | None:
        """What to write to lease a note's task, if the note says the task is leasable.

        Returns the task as leased, its record's bytes and lease fields, and the revision to
        write them at; None sends the message down the reading path.
        """
        note = json.loads(msg.data)
        rec = note.get("rec")
        if rec is None:
            return None
        before = rec["task"]
        task = nr.to_task(before)
        if task.status not in nr.OPEN or task.not_before > now or unrunnable(task, now):
            return None
        self._grant(task, now, until, msg.reply)
        after = nr.task_fields(task)
        rewritten = nr.relet(nr.note_body(msg.data), before, after)
        if rewritten is None:
            rec["task"] = after
            rewritten = nr.encode(rec), nr.lease_block(after)
        return task, *rewritten, int(note["rev"])

    def _grant(self, task: Task, now: float, until: float, token: str) -> None:
        task.status, task.owner, task.lease_expires = TaskStatus.LEASED, self.consumer, until
        task.leased_at = now
        task.attempts += 1
        task.token = token

    async def _take(self, msg: Any, now: float, until: float, lot: Lot) -> None:
        """Read the record a message names: lease it, defer it, drop it or bury it."""
        note = json.loads(msg.data)
        rec = note.get("rec") or {"task": {"id": note["id"]}, "gen": note["gen"]}
        got = await self.link.get(nr.record_key(rec["task"]["id"]))
        current, revision_now = (json.loads(got[0]), got[1]) if got else ({}, 0)
        stale = not current or current["gen"] != rec["gen"]
        if stale or current["task"]["status"] in nr.FINAL:
            await self.link.signal(msg.reply, b"+TERM", wait=True)  # the task moved on
            return
        task = nr.to_task(current["task"])
        wait = nr.ready_at(task)
        if wait > now:
            verb = b"-NAK " + json.dumps({"delay": int((wait - now) * 1e9)}).encode()
            await self.link.signal(msg.reply, verb, wait=True)  # delayed, or heartbeated
            return
        reason = unrunnable(task, now)
        if reason:
            await self.records.kill([(task.id, reason, None)])
            await self.link.signal(msg.reply, b"+TERM", wait=True)
            lot[1].append(Task(task.kind, id=task.id, status=TaskStatus.DEAD, error=reason))
            return
        self._grant(task, now, until, msg.reply)
        current["task"] = nr.task_fields(task)
        body = nr.encode(current)
        (ack,) = await self.link.gather(
            [await self.link.write(nr.record_key(task.id), body, revision_now)]
        )
        rev = revision(ack)
        if rev is None:
            await self.link.signal(msg.reply, b"-NAK", wait=True)  # another writer won
            return
        self.hold(task, rev, body, nr.lease_block(current["task"]))
        lot[0].append(task)

    def hold(self, task: Task, rev: int, body: bytes, block: bytes) -> None:
        """Remember a lease this handle holds, as written (bounded: oldest forgotten)."""
        if len(self.held) >= _MAX_HELD:
            self.held.pop(next(iter(self.held)))
        self.held[task.id] = (task.attempts, rev, body, block)

    def hint(self, task: Task) -> tuple[int, bytes] | None:
        """The remembered (revision, bytes) of ``task``'s lease, when this handle took it."""
        held = self.held.get(task.id)
        if held is None or held[0] != task.attempts or task.owner != self.consumer:
            return None
        return held[1], held[2]

    def done(self, task: Task) -> tuple[int, bytes, list[str] | None] | None:
        """The write that marks a remembered lease done: (revision, bytes, dependents).

        The lease fields are rewritten in the remembered bytes; dependents are None when the
        record has none (then nothing else is decoded).
        """
        hint = self.hint(task)
        if hint is None:
            return None
        rev, body = hint
        fast = nr.swap(body, self.held[task.id][3], nr.done_block(task.attempts))
        if fast is not None and body.endswith(b',"dependents":[],"waiting":[]}'):
            return rev, fast, None
        rec = json.loads(body)
        rec["task"].update(nr.DONE)
        return rev, nr.encode(rec), rec["dependents"]

    async def settled(self, task: Task, verb: bytes, *, wait: bool) -> None:
        """The lease ended: forget it and tell the stream what became of the message."""
        self.held.pop(task.id, None)
        if task.token:
            await self.link.signal(task.token, verb, wait=wait)
