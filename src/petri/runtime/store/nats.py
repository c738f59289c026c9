"""NATS store: state in a JetStream KV bucket, events in a JetStream stream.

Layout under a prefix (``?prefix=`` in the URL, default ``petri``; letters, digits, ``-``, ``_``)::

    KV bucket  {prefix}_state        one key per state object (base64url of the key), history 1
    stream     {prefix}_events       subject {prefix}.ev.{base64url(run_id)}, body = payload JSON,
                                     headers Petri-Type, Petri-Time

Compare-and-set is ``kv.create`` (version 0) or ``kv.update(last=version)``: the server accepts
the write only if the key's last revision is still ``version``, so the version is the KV revision.
Event sequences are the stream's sequences (increasing within a run, with gaps).

Ordering instead of a transaction: NATS cannot commit a KV write and stream messages together,
so ``put(..., events=...)`` writes the KV entry first (the commit point: a lost race stores no
event) and then publishes the events in order, each with ``Nats-Msg-Id = {key}@{revision}#{i}``
so a retried publish is dropped by the server's duplicate window. A process dying between the two
steps leaves the state written without its events: use SQLite (the run coordinator's log, DESIGN
§6) where that gap matters. ``append_many`` is ordered but not atomic (a crash leaves a prefix).
"""

from __future__ import annotations

import asyncio
import base64
import os
import re
import threading
import time
from collections.abc import Coroutine, Sequence
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import nats
from nats.js import errors as js_errors

from petri.errors import BackendError, StateConflict
from petri.runtime.store.base import Clock, Encoded, Store

T = TypeVar("T")
Row = tuple[int, str, str, float]


def _token(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=") or "_"


class NatsStore(Store):
    """Events and state on a NATS JetStream server, driven from a private event-loop thread."""

    timeout = 10.0

    def __init__(self, servers: str, prefix: str = "petri", clock: Clock = time.time) -> None:
        super().__init__(clock)
        if not re.fullmatch(r"[A-Za-z0-9_-]+", prefix):
            raise BackendError(f"NATS store prefix {prefix!r}: use letters, digits, - and _")
        self.servers = servers
        self.prefix = prefix
        self.stream = f"{prefix}_events"
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pid = 0
        self._nc: Any = None
        self._js: Any = None
        self._kv: Any = None

    @classmethod
    def from_url(cls, url: str) -> NatsStore:
        """``nats://host:4222?prefix=petri``."""
        parts = urlsplit(url)
        prefix = dict(parse_qsl(parts.query)).get("prefix", "petri")
        return cls(urlunsplit(parts._replace(query="")), prefix)

    # -- plumbing -----------------------------------------------------------------------------

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        with self._lock:
            if self._loop is None or self._pid != os.getpid():
                self._loop = asyncio.new_event_loop()
                self._pid = os.getpid()
                self._nc = None
                threading.Thread(target=self._loop.run_forever, daemon=True).start()
            loop = self._loop
        try:
            return asyncio.run_coroutine_threadsafe(coro, loop).result(self.timeout)
        except (StateConflict, BackendError):
            raise
        except Exception as exc:
            raise BackendError(f"NATS store at {self.servers} failed: {exc!r}") from exc

    async def _ready(self) -> None:
        if self._nc is not None:
            return
        nc = await nats.connect(self.servers, connect_timeout=5, max_reconnect_attempts=3)
        js = nc.jetstream()
        await js.add_stream(name=self.stream, subjects=[f"{self.prefix}.ev.>"])
        try:
            kv = await js.key_value(f"{self.prefix}_state")
        except js_errors.BucketNotFoundError:
            kv = await js.create_key_value(bucket=f"{self.prefix}_state", history=1)
        self._nc, self._js, self._kv = nc, js, kv

    def _subject(self, run_id: str) -> str:
        return f"{self.prefix}.ev.{_token(run_id)}"

    async def _publish(self, events: Sequence[Encoded], msg_id: str | None) -> list[int]:
        seqs = []
        for i, (run, etype, payload, at) in enumerate(events):
            headers = {"Petri-Type": etype, "Petri-Time": repr(at)}
            if msg_id is not None:
                headers["Nats-Msg-Id"] = f"{msg_id}#{i}"
            ack = await self._js.publish(
                self._subject(run), payload.encode(), stream=self.stream, headers=headers
            )
            seqs.append(int(ack.seq))
        return seqs

    # -- hooks --------------------------------------------------------------------------------

    def _append(self, events: Sequence[Encoded]) -> list[int]:
        async def go() -> list[int]:
            await self._ready()
            return await self._publish(events, None)

        return self._run(go())

    def _read(self, run_id: str, after_seq: int, limit: int | None) -> list[Row]:
        return self._run(self._aread(self._subject(run_id), after_seq, limit))

    async def _aread(self, subject: str, after_seq: int, limit: int | None) -> list[Row]:
        await self._ready()
        try:
            last = (await self._js.get_last_msg(self.stream, subject)).seq
        except js_errors.NotFoundError:
            return []
        rows: list[Row] = []
        seq = after_seq
        while seq < last and (limit is None or len(rows) < limit):
            try:
                msg = await self._js.get_msg(self.stream, seq=seq + 1, subject=subject, next=True)
            except js_errors.NotFoundError:
                break
            headers = msg.headers or {}
            seq = int(msg.seq)
            rows.append(
                (
                    seq,
                    headers["Petri-Type"],
                    (msg.data or b"{}").decode(),
                    float(headers["Petri-Time"]),
                )
            )
        return rows

    def _compact(self, run_id: str, keep_after_seq: int) -> None:
        async def go() -> None:
            await self._ready()
            await self._js.purge_stream(
                self.stream, subject=self._subject(run_id), seq=keep_after_seq + 1
            )

        self._run(go())

    def _get(self, key: str) -> tuple[str | None, int]:
        async def go() -> tuple[str | None, int]:
            await self._ready()
            try:
                entry = await self._kv.get(_token(key))
            except js_errors.KeyNotFoundError:
                return None, 0
            return (entry.value or b"null").decode(), int(entry.revision)

        return self._run(go())

    def _put(
        self, key: str, value: str, expected: int, events: Sequence[Encoded]
    ) -> tuple[int, list[int]]:
        async def go() -> tuple[int, list[int]]:
            await self._ready()
            try:
                if expected == 0:
                    version = await self._kv.create(_token(key), value.encode())
                else:
                    version = await self._kv.update(_token(key), value.encode(), last=expected)
            except js_errors.KeyWrongLastSequenceError as exc:
                raise StateConflict(key, expected, await self._current(key)) from exc
            return int(version), await self._publish(events, f"{_token(key)}@{version}")

        return self._run(go())

    async def _current(self, key: str) -> int:
        try:
            return int((await self._kv.get(_token(key))).revision)
        except js_errors.KeyNotFoundError:
            return 0

    def close(self) -> None:
        with self._lock:
            loop, nc, self._loop, self._nc = self._loop, self._nc, None, None
        if loop is None:
            return
        if nc is not None and self._pid == os.getpid():
            asyncio.run_coroutine_threadsafe(nc.close(), loop).result(self.timeout)
        loop.call_soon_threadsafe(loop.stop)
