"""The asyncio side of the NATS queue: a private event loop thread and JetStream plumbing."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

import nats
from nats.js import api
from nats.js.errors import BucketNotFoundError, KeyNotFoundError, KeyWrongLastSequenceError

T = TypeVar("T")

__all__ = ["Conflict", "Link", "Loop", "NotFound"]

Conflict = KeyWrongLastSequenceError
NotFound = KeyNotFoundError


class Loop:
    """An event loop in a daemon thread, so synchronous callers can run coroutines on it."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 60.0) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5)


class Link:
    """One connection: the work-queue stream of ready tasks and the KV bucket of records."""

    def __init__(self, url: str, name: str, lease_s: float) -> None:
        self.url, self.name, self.lease_s = url, name, lease_s
        self.stream = f"PETRI_Q_{name}"
        self.subject = f"petri.q.{name}"
        self.nc: Any = None
        self.js: Any = None
        self.kv: Any = None
        self._consumers: set[str] = set()

    async def open(self) -> None:
        self.nc = await nats.connect(self.url, connect_timeout=5, max_reconnect_attempts=3)
        self.js = self.nc.jetstream()
        config = api.StreamConfig(
            name=self.stream,
            subjects=[f"{self.subject}.>"],
            retention=api.RetentionPolicy.WORK_QUEUE,
            storage=api.StorageType.FILE,
        )
        try:
            await self.js.stream_info(self.stream)
        except nats.js.errors.NotFoundError:
            await self.js.add_stream(config)
        try:
            self.kv = await self.js.key_value(f"petri_q_{self.name}")
        except BucketNotFoundError:
            self.kv = await self.js.create_key_value(bucket=f"petri_q_{self.name}", history=1)

    async def lanes(self) -> list[str]:
        """Subjects that hold messages (ready or in flight), any order."""
        info = await self.js.stream_info(self.stream, subjects_filter=f"{self.subject}.>")
        return list((info.state.subjects or {}).keys())

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
            await self.js.add_consumer(self.stream, config)
            self._consumers.add(durable)
        inbox = self.nc.new_inbox()
        sub = await self.nc.subscribe(inbox)
        try:
            request = json.dumps({"batch": n, "no_wait": True}).encode()
            api_subject = f"$JS.API.CONSUMER.MSG.NEXT.{self.stream}.{durable}"
            await self.nc.publish(api_subject, request, reply=inbox)
            got: list[Any] = []
            while len(got) < n:
                msg = await sub.next_msg(timeout=5)
                if msg.headers and msg.headers.get("Status"):
                    break  # 404 no messages / 408: nothing more now
                got.append(msg)
            return got
        finally:
            await sub.unsubscribe()

    async def get(self, key: str) -> tuple[dict[str, Any], int] | None:
        try:
            entry = await self.kv.get(key)
        except KeyNotFoundError:
            return None
        if entry.value is None:
            return None
        return json.loads(entry.value), int(entry.revision)

    async def create(self, key: str, value: dict[str, Any] | str) -> bool:
        data = value if isinstance(value, str) else json.dumps(value)
        try:
            await self.kv.create(key, data.encode())
        except KeyWrongLastSequenceError:
            return False
        return True

    async def update(self, key: str, value: dict[str, Any], revision: int) -> int | None:
        """Compare-and-set; the new revision, or None when someone wrote first."""
        try:
            return int(await self.kv.update(key, json.dumps(value).encode(), last=revision))
        except KeyWrongLastSequenceError:
            return None

    async def raw(self, key: str) -> str | None:
        try:
            entry = await self.kv.get(key)
        except KeyNotFoundError:
            return None
        return None if entry.value is None else bytes(entry.value).decode()

    async def keys(self) -> list[str]:
        try:
            return list(await self.kv.keys())
        except nats.js.errors.NoKeysError:
            return []

    async def close(self) -> None:
        if self.nc is not None:
            await self.nc.drain()
