"""The NATS queue's wire: pipelined writes, compare-and-set outcomes, short pulls."""

from __future__ import annotations

import uuid

import pytest
from queue_helpers import on_link

from petri.errors import BackendError
from petri.runtime.queue.nats_io import Link, revision


def test_writes_are_compare_and_set_on_the_revision(nats_url: str) -> None:
    async def step(link: Link) -> None:
        created = [await link.write(f"t.{i}", b"v%d" % i, 0) for i in range(200)]
        revs = [revision(ack) for ack in await link.gather(created)]
        assert all(rev is not None for rev in revs) and len(set(revs)) == 200
        again = await link.gather([await link.write("t.0", b"dup", 0)])
        assert revision(again[0]) is None  # the key exists: a create loses
        stale = await link.gather([await link.write("t.1", b"late", (revs[1] or 0) + 999)])
        assert revision(stale[0]) is None
        moved = await link.gather([await link.write("t.1", b"next", revs[1] or 0)])
        assert (await link.get("t.1")) == (b"next", revision(moved[0]))
        assert await link.get_many(["t.2", "t.missing"]) == [(b"v2", revs[2]), None]

    on_link(nats_url, "io" + uuid.uuid4().hex[:10], step)


def test_a_pull_returns_what_there_is_without_waiting_for_more(nats_url: str) -> None:
    async def step(link: Link) -> None:
        subject = f"{link.subject}.p000000.6b"
        sent = [await link.send(subject, b"m%d" % i) for i in range(3)]
        for ack in await link.gather(sent):
            revision(ack)
        assert await link.lanes() == [subject]
        got = await link.pull(subject, 10)
        assert sorted(m.data for m in got) == [b"m0", b"m1", b"m2"]
        assert await link.pull(subject, 10) == []  # delivered and unacked: not offered again
        for msg in got:
            await link.signal(msg.reply, b"+ACK", wait=True)
        assert await link.lanes() == []

    on_link(nats_url, "io" + uuid.uuid4().hex[:10], step)


def test_a_refused_write_is_a_backend_error(nats_url: str) -> None:
    async def step(link: Link) -> None:
        # Any error reply but "wrong last sequence" is a failure, not a lost race.
        ack = await link.request(f"$JS.API.STREAM.MSG.GET.KV_{link.bucket}", b"not json")
        with pytest.raises(BackendError):
            revision(ack)

    on_link(nats_url, "io" + uuid.uuid4().hex[:10], step)
