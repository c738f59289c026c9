"""``redis://host:port/db``: Redis Streams with a consumer group, state in hashes and sorted sets.

Each ready task is an entry in the stream of its lane (priority x kind); ``XREADGROUP`` hands an
entry to one consumer, the entry stays in the group's pending list until ``XACK``, and all state
transitions run as Lua scripts (see ``redis_lua``), so they are atomic however many consumers run.

Where Streams alone cannot express the contract:

- Priorities: one stream per lane; a lease reads the lanes highest priority first.
- Lease expiry is kept in the ``leased`` sorted set on the queue's clock (not ``XAUTOCLAIM``'s
  idle time), because heartbeats extend leases and tests drive time with an injected clock. A
  lease that expired is reclaimed by the next ``lease`` call: its pending entry is acked and the
  task is re-added to its lane, which also restores priority order.
- Delays and backoff live in the ``delayed`` sorted set until due; dependencies in sets.
- All keys share the hash tag ``{name}``; the scripts build key names themselves, which works on
  a single Redis server (not across a cluster's slots).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import SplitResult

import redis as redis_lib

from petri.errors import BackendError, TaskNotFound
from petri.runtime.queue import redis_lua as lua
from petri.runtime.queue.base import Queue
from petri.runtime.queue.task import Task, TaskStatus


class RedisQueue(Queue):
    """Queue on a Redis server (5.0+ for Streams; tested on 7)."""

    scheme = "redis"

    def __init__(self, url: SplitResult | None = None, **options: Any) -> None:
        super().__init__(**options)
        self.url = url.geturl() if url else "redis://127.0.0.1:6379/0"
        self._prefix = f"petri:{{{self.name}}}:"
        self._client: redis_lib.Redis | None = None
        self._scripts: dict[str, Any] = {}

    @property
    def client(self) -> redis_lib.Redis:
        """The connection, made (and the scripts registered) on first use."""
        if self._client is None:
            self._client = redis_lib.Redis.from_url(self.url)
            names = ("ENQUEUE", "LEASE", "HEARTBEAT", "ACK", "RETRY", "BURY", "REDRIVE")
            for name in (*names, "LEASE_STARTS"):
                body = lua.COMMON + getattr(lua, name)
                self._scripts[name] = self._client.register_script(body)
        return self._client

    def _call(self, script: str, args: list[Any]) -> Any:
        """Run one of the Lua entry points; Redis errors become ``BackendError``."""
        client = self.client  # builds the pool lazily; no I/O before the first command
        try:
            return self._scripts[script](keys=[self._prefix], args=args, client=client)
        except redis_lib.ResponseError as exc:
            if "TASKNOTFOUND" in str(exc):
                missing = str(exc).split("TASKNOTFOUND ", 1)[1]
                raise TaskNotFound(f"dependency {missing} is not a task of this queue") from exc
            raise BackendError(f"redis queue {self.name}: {exc}") from exc
        except redis_lib.RedisError as exc:
            raise BackendError(f"redis queue {self.name} at {self.url}: {exc}") from exc

    def _enqueue(self, tasks: list[Task], now: float) -> list[str]:
        args: list[Any] = [repr(now)]
        for t in tasks:
            body = {
                "payload": t.payload,
                "depends_on": list(t.depends_on),
                "backoff_base": t.backoff_base,
                "backoff_cap": t.backoff_cap,
                "backoff_jitter": t.backoff_jitter,
            }
            deadline = "" if t.deadline is None else repr(t.deadline)
            args += [t.id, t.kind, t.priority, t.key or "", t.max_attempts, repr(t.not_before)]
            args += [deadline, repr(t.enqueued_at), json.dumps(body), len(t.depends_on)]
            args += list(t.depends_on)
        return [_text(i) for i in self._call("ENQUEUE", args)]

    def _lease(
        self, n: int, kinds: list[str] | None, now: float, until: float
    ) -> tuple[list[Task], list[Task]]:
        kind_args = [] if kinds is None else [len(kinds), *kinds]
        args = [repr(now), repr(until), self.consumer, n, *(kind_args or [0])]
        leased, buried = self._call("LEASE", args)
        dead = [
            Task(kind="", id=_text(i), status=TaskStatus.DEAD, error=_text(r)) for i, r in buried
        ]
        return [_task(flat) for flat in leased], dead

    def _heartbeat(self, task: Task, until: float) -> bool:
        return bool(self._call("HEARTBEAT", [*_lease_of(task), repr(until)]))

    def _ack(self, tasks: list[Task], now: float) -> list[bool]:
        args: list[Any] = [repr(now)]
        for task in tasks:
            args += _lease_of(task)
        return [bool(flag) for flag in self._call("ACK", args)]

    def _retry(self, task: Task, not_before: float, error: str, tb: str, now: float) -> bool:
        args = [*_lease_of(task), repr(not_before), error, tb, repr(now)]
        return bool(self._call("RETRY", args))

    def _bury(self, task: Task, error: str, tb: str, now: float) -> bool:
        return bool(self._call("BURY", [*_lease_of(task), error, tb, repr(now)]))

    def _get(self, task_id: str) -> Task | None:
        flat = self._guard(lambda c: c.hgetall(f"{self._prefix}t:{task_id}"))
        return _task_from_dict(flat) if flat else None

    def _dead(self, limit: int) -> list[Task]:
        ids = self._guard(lambda c: c.zrange(f"{self._prefix}dead", 0, limit - 1))
        pipe = self.client.pipeline(transaction=False)
        for task_id in ids:
            pipe.hgetall(f"{self._prefix}t:{_text(task_id)}")
        return [_task_from_dict(flat) for flat in self._guard(lambda _: pipe.execute()) if flat]

    def _redrive(self, ids: list[str], now: float) -> int:
        return int(self._call("REDRIVE", [repr(now), *ids]))

    def _stats(self) -> dict[str, int]:
        counts = self._guard(lambda c: c.hgetall(f"{self._prefix}counts"))
        return {_text(k): int(v) for k, v in counts.items()}

    def _lease_starts(self, now: float, limit: int) -> list[float]:
        # Every live lease comes back (they are few: one per busy worker); the base trims.
        return [float(at) for at in self._call("LEASE_STARTS", [repr(now)])]

    def _guard(self, op: Any) -> Any:
        try:
            return op(self.client)
        except redis_lib.RedisError as exc:
            raise BackendError(f"redis queue {self.name} at {self.url}: {exc}") from exc

    def _close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _lease_of(task: Task) -> list[str]:
    return [task.id, task.owner or "", str(task.attempts)]


def _task(flat: list[bytes]) -> Task:
    pairs = iter(flat)
    return _task_from_dict(dict(zip(pairs, pairs, strict=True)))


def _task_from_dict(raw: dict[Any, Any]) -> Task:
    """Rebuild a Task from the fields of its hash."""
    f = {_text(k): _text(v) for k, v in raw.items()}
    body = json.loads(f["body"])
    return Task(
        id=f["id"],
        kind=f["kind"],
        payload=body["payload"],
        priority=int(f["prio"]),
        depends_on=tuple(body["depends_on"]),
        max_attempts=int(f["max"]),
        backoff_base=body["backoff_base"],
        backoff_cap=body["backoff_cap"],
        backoff_jitter=body.get("backoff_jitter"),
        not_before=float(f["nb"]),
        deadline=float(f["dl"]) if f["dl"] else None,
        key=f["key"] or None,
        status=TaskStatus(f["status"]),
        attempts=int(f["attempts"]),
        owner=f["owner"] or None,
        lease_expires=float(f["exp"]) if f["exp"] else None,
        leased_at=float(f["lat"]) if f.get("lat") else None,
        error=f["err"] or None,
        traceback=f["tb"] or None,
        enqueued_at=float(f["at"]),
        token=f["entry"] or None,
    )
