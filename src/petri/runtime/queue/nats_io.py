"""The asyncio side of the NATS queue: a private event loop thread and lean JetStream plumbing.

The hot path (KV compare-and-set writes, stream publishes, pulls) goes over plain core-NATS
publishes whose replies land on two wildcard inboxes of this connection, matched to futures by
token. That skips the per-request task, timer and header parsing of the client's JetStream API,
and lets a batch send all its writes before waiting once for all their acks.
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
import threading
from collections.abc import Coroutine, Iterable
from typing import Any, TypeVar

import nats
from nats.js import api
from nats.js.errors import BucketNotFoundError

from petri.errors import BackendError

T = TypeVar("T")

__all__ = ["Link", "Loop", "revision"]

#: How long a batch waits for the server's replies before the queue reports it unreachable.
REPLY_TIMEOUT_S = 15.0
_WRONG_LAST = (10071, 10164)  # JetStream: "wrong last sequence" (the CAS lost)
_SLICE = 64  # sends between two yields to the loop
_SEQ = re.compile(rb'"seq":\s*(\d+)')


class Loop:
    """An event loop in a daemon thread, so synchronous callers can run coroutines on it."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 60.0) -> T:
        """Run ``coro`` on the loop thread and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def stop(self) -> None:
        """Stop the loop and join its thread."""
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5)


def revision(ack: Any) -> int | None:
    """The stream sequence a publish ack names; None when a compare-and-set lost its race."""
    if b'"error"' not in ack.data:
        found = _SEQ.search(ack.data)
        if found:
            return int(found[1])
    reply = json.loads(ack.data)
    error = reply.get("error")
    if error is None:
        return int(reply["seq"])
    if error.get("err_code") in _WRONG_LAST:
        return None
    raise BackendError(f"jetstream refused a write: {error.get('description', error)}")


def _stored(msg: Any) -> tuple[bytes, int] | None:
    reply = json.loads(msg.data)
    if "error" in reply:
        if reply["error"].get("code") == 404:
            return None
        raise BackendError(f"jetstream refused a read: {reply['error']}")
    stored = reply["message"]
    return base64.b64decode(stored.get("data") or ""), int(stored["seq"])


class _Pull:
    """Messages of one pull request, complete at ``n`` messages or at its status reply.

    Delivered messages carry their own subject, not the request's inbox, so they cannot be
    matched by token: pulls on a link take turns, and a message arriving late from an earlier
    (timed out) pull joins the current one, which is still a valid delivery to this consumer.
    """

    def __init__(self, inbox: str, n: int, done: asyncio.Future[list[Any]]) -> None:
        self.inbox, self.n, self.done = inbox, n, done
        self.msgs: list[Any] = []

    def add(self, msg: Any) -> None:
        if msg.headers and msg.headers.get("Status"):
            if msg.subject == self.inbox:
                self.finish()  # 404 no messages / 408 request ended: nothing more now
            return
        self.msgs.append(msg)
        if len(self.msgs) >= self.n:
            self.finish()

    def finish(self) -> None:
        if not self.done.done():
            self.done.set_result(self.msgs)


class Link:
    """One connection: the work-queue stream of ready tasks and the KV bucket of records."""

    def __init__(self, url: str, name: str, lease_s: float) -> None:
        self.url, self.name, self.lease_s = url, name, lease_s
        self.stream = f"PETRI_Q_{name}"
        self.subject = f"petri.q.{name}"
        self.bucket = f"petri_q_{name}"
        self.nc: Any = None
        self.kv: Any = None
        self._consumers: set[str] = set()
        self._inbox = ""
        self._count = 0
        self._replies: dict[str, asyncio.Future[Any]] = {}
        self._pull: _Pull | None = None
        self._pull_turn = asyncio.Lock()

    async def open(self) -> None:
        """Connect, create the stream and the bucket when missing, subscribe the inboxes."""
        self.nc = await nats.connect(self.url, connect_timeout=5, max_reconnect_attempts=3)
        js = self.nc.jetstream()
        config = api.StreamConfig(
            name=self.stream,
            subjects=[f"{self.subject}.>"],
            retention=api.RetentionPolicy.WORK_QUEUE,
            storage=api.StorageType.FILE,
        )
        try:
            await js.stream_info(self.stream)
        except nats.js.errors.NotFoundError:
            await js.add_stream(config)
        try:
            self.kv = await js.key_value(self.bucket)
        except BucketNotFoundError:
            self.kv = await js.create_key_value(bucket=self.bucket, history=1)
        # Fresh per connection: a link reopened after close runs on a new loop.
        self._inbox, self._replies, self._pull = self.nc.new_inbox(), {}, None
        self._pull_turn = asyncio.Lock()
        await self.nc.subscribe(f"{self._inbox}.r.*", cb=self._on_reply)
        await self.nc.subscribe(f"{self._inbox}.p.*", cb=self._on_pulled)

    async def _on_reply(self, msg: Any) -> None:
        future = self._replies.pop(msg.subject.rsplit(".", 1)[1], None)
        if future is not None and not future.done():
            future.set_result(msg)

    async def _on_pulled(self, msg: Any) -> None:
        if self._pull is not None:
            self._pull.add(msg)

    def _token(self) -> str:
        self._count += 1
        return str(self._count)

    async def send(
        self, subject: str, body: bytes, headers: dict[str, str] | None = None
    ) -> asyncio.Future[Any]:
        """Publish with a reply inbox; the returned future gets the reply (not awaited here)."""
        token = self._token()
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._replies[token] = future
        await self.nc.publish(subject, body, reply=f"{self._inbox}.r.{token}", headers=headers)
        if self._count % _SLICE == 0:
            # Let the client's flusher write what is buffered, so the server starts on the
            # first part of a long batch while this side still encodes the rest.
            await asyncio.sleep(0)
        return future

    async def gather(self, futures: Iterable[asyncio.Future[Any]]) -> list[Any]:
        """Wait for every reply of a batch, under one timer; a silent server is a BackendError."""
        pending = list(futures)
        try:
            async with asyncio.timeout(REPLY_TIMEOUT_S):
                # Awaiting in turn costs less than ``asyncio.gather``'s callback per future;
                # most replies are in by the time the first one is.
                return [await future for future in pending]
        except TimeoutError as exc:
            for future in pending:
                future.cancel()
            self._replies = {t: f for t, f in self._replies.items() if not f.done()}
            raise BackendError(f"nats queue {self.name}: no reply from the server") from exc

    async def request(self, subject: str, body: bytes = b"") -> Any:
        """One request and its reply."""
        return (await self.gather([await self.send(subject, body)]))[0]

    async def write(self, key: str, body: bytes, last: int) -> asyncio.Future[Any]:
        """Compare-and-set a KV record (``last`` 0: create); the future gets the publish ack."""
        headers = {"Nats-Expected-Last-Subject-Sequence": str(last)}
        return await self.send(f"$KV.{self.bucket}.{key}", body, headers)

    async def get(self, key: str) -> tuple[bytes, int] | None:
        """A KV record's raw value and revision, or None when the key has none."""
        return (await self.get_many([key]))[0]

    async def get_many(self, keys: list[str]) -> list[tuple[bytes, int] | None]:
        """Several records' values and revisions, read in one pipelined batch."""
        subject = f"$JS.API.STREAM.MSG.GET.KV_{self.bucket}"
        futures = []
        for key in keys:
            body = json.dumps({"last_by_subj": f"$KV.{self.bucket}.{key}"}).encode()
            futures.append(await self.send(subject, body))
        return [_stored(msg) for msg in await self.gather(futures)]

    async def signal(self, reply: str, verb: bytes, *, wait: bool) -> None:
        """Ack, nak, term or touch a delivered message; ``wait`` until the server applied it."""
        if wait:
            await self.request(reply, verb)
        else:
            await self.nc.publish(reply, verb)

    async def lanes(self) -> list[str]:
        """Subjects that hold messages (ready or in flight), any order."""
        body = json.dumps({"subjects_filter": f"{self.subject}.>"}).encode()
        info = json.loads((await self.request(f"$JS.API.STREAM.INFO.{self.stream}", body)).data)
        if "error" in info:
            raise BackendError(f"jetstream refused stream info: {info['error']}")
        return list((info["state"].get("subjects") or {}).keys())

    async def pull(self, subject: str, n: int) -> list[Any]:
        """Up to ``n`` messages of one lane, without waiting when there are fewer."""
        durable = "L_" + subject.rsplit(".", 2)[-2] + "_" + subject.rsplit(".", 1)[-1]
        if durable not in self._consumers:
            config = api.ConsumerConfig(
                durable_name=durable,
                filter_subject=subject,
                ack_policy=api.AckPolicy.EXPLICIT,
                ack_wait=self.lease_s,
                max_deliver=-1,
                max_ack_pending=-1,
            )
            await self.nc.jetstream().add_consumer(self.stream, config)
            self._consumers.add(durable)
        async with self._pull_turn:
            inbox = f"{self._inbox}.p.{self._token()}"
            self._pull = _Pull(inbox, n, asyncio.get_running_loop().create_future())
            request = json.dumps({"batch": n, "no_wait": True}).encode()
            api_subject = f"$JS.API.CONSUMER.MSG.NEXT.{self.stream}.{durable}"
            await self.nc.publish(api_subject, request, reply=inbox)
            try:
                return await asyncio.wait_for(self._pull.done, 5)
            except TimeoutError:
                return self._pull.msgs
            finally:
                self._pull = None

    async def keys(self) -> list[str]:
        """Every key of the bucket (a scan: inspection, not the hot path), from the subjects
        its stream holds. nats-py's ``kv.keys()`` watches the bucket and may see the end
        marker before the first key under load, answering "no keys" for a full bucket; the
        stream's own count has no such race. Records are never deleted, so every subject is
        a live key."""
        prefix = f"$KV.{self.bucket}."
        body = json.dumps({"subjects_filter": f"{prefix}>"}).encode()
        info = json.loads((await self.request(f"$JS.API.STREAM.INFO.KV_{self.bucket}", body)).data)
        if "error" in info:
            raise BackendError(f"jetstream refused stream info: {info['error']}")
        return [s[len(prefix) :] for s in (info["state"].get("subjects") or {})]

    async def close(self) -> None:
        """Flush what is buffered (acks included) and close the connection."""
        if self.nc is not None:
            await self.nc.drain()
