"""Redis store: state and events change together inside one Lua script.

Layout under a key prefix (``?prefix=`` in the URL, default ``petri:``)::

    {prefix}state:{key}     hash   value (JSON), version (int)
    {prefix}seq:{run}       string the run's last assigned sequence (INCR)
    {prefix}events:{run}    stream entry id "{seq}-0", fields t (type), p (payload), ts (time)

Atomicity: Redis runs a Lua script without interleaving any other command, so the version check,
the state write, the sequence increments and the ``XADD``s of ``put(..., events=...)`` happen
all-or-nothing with respect to every other client. Compaction is ``XTRIM MINID``; the sequence
counter survives it. The script builds run keys from the prefix, so this layout targets a single
Redis node (a cluster would need hash tags per run).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import redis

from petri.errors import BackendError, StateConflict
from petri.runtime.store.base import Clock, Encoded, Store

_APPEND = """
local function append(prefix, argv, start)
  local n = tonumber(argv[start])
  local seqs = {}
  for i = 0, n - 1 do
    local b = start + 1 + i * 4
    local seq = redis.call('INCR', prefix .. 'seq:' .. argv[b])
    redis.call('XADD', prefix .. 'events:' .. argv[b], seq .. '-0',
               't', argv[b + 1], 'p', argv[b + 2], 'ts', argv[b + 3])
    seqs[#seqs + 1] = seq
  end
  return seqs
end
"""

#: ARGV: prefix, n, then n * (run, type, payload, time)
APPEND_SCRIPT = _APPEND + "return append(ARGV[1], ARGV, 2)"

#: KEYS[1]: state hash; ARGV: prefix, expected, value, n, events... -> {version, seqs} or {-1, cur}
PUT_SCRIPT = (
    _APPEND
    + """
local cur = tonumber(redis.call('HGET', KEYS[1], 'version') or '0')
if cur ~= tonumber(ARGV[2]) then return {-1, cur} end
redis.call('HSET', KEYS[1], 'value', ARGV[3], 'version', cur + 1)
return {cur + 1, append(ARGV[1], ARGV, 4)}
"""
)


def _flatten(events: Sequence[Encoded]) -> list[str]:
    out = [str(len(events))]
    for run, etype, payload, at in events:
        out += [run, etype, payload, repr(at)]
    return out


class RedisStore(Store):
    """Events and state in one Redis database."""

    def __init__(self, url: str, prefix: str = "petri:", clock: Clock = time.time) -> None:
        super().__init__(clock)
        self.url = url
        self.prefix = prefix
        self._client: redis.Redis | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_url(cls, url: str) -> RedisStore:
        """``redis://host:port/db?prefix=petri:`` (other query options go to redis-py)."""
        parts = urlsplit(url)
        query = dict(parse_qsl(parts.query))
        prefix = query.pop("prefix", "petri:")
        return cls(urlunsplit(parts._replace(query=urlencode(query))), prefix)

    @property
    def client(self) -> redis.Redis:
        with self._lock:
            if self._client is None:
                self._client = redis.Redis.from_url(self.url, decode_responses=True)
            return self._client

    def _call(self, script: str, keys: list[str], args: list[str]) -> Any:
        try:
            return self.client.eval(script, len(keys), *keys, *args)
        except redis.RedisError as exc:
            raise BackendError(f"redis store at {self.url} failed: {exc}") from exc

    def _append(self, events: Sequence[Encoded]) -> list[int]:
        seqs = self._call(APPEND_SCRIPT, [], [self.prefix, *_flatten(events)])
        return [int(seq) for seq in seqs]

    def _read(
        self, run_id: str, after_seq: int, limit: int | None
    ) -> list[tuple[int, str, str, float]]:
        try:
            entries: Any = self.client.xrange(
                f"{self.prefix}events:{run_id}", f"{after_seq + 1}-0", "+", count=limit
            )
        except redis.RedisError as exc:
            raise BackendError(f"redis store at {self.url} failed: {exc}") from exc
        return [(int(eid.split("-")[0]), f["t"], f["p"], float(f["ts"])) for eid, f in entries]

    def _compact(self, run_id: str, keep_after_seq: int) -> None:
        try:
            self.client.xtrim(
                f"{self.prefix}events:{run_id}", minid=f"{keep_after_seq + 1}-0", approximate=False
            )
        except redis.RedisError as exc:
            raise BackendError(f"redis store at {self.url} failed: {exc}") from exc

    def _get(self, key: str) -> tuple[str | None, int]:
        try:
            got: Any = self.client.hmget(f"{self.prefix}state:{key}", ["value", "version"])
        except redis.RedisError as exc:
            raise BackendError(f"redis store at {self.url} failed: {exc}") from exc
        value, version = got
        return (value, int(version)) if version is not None else (None, 0)

    def _put(
        self, key: str, value: str, expected: int, events: Sequence[Encoded]
    ) -> tuple[int, list[int]]:
        args = [self.prefix, str(expected), value, *_flatten(events)]
        version, seqs = self._call(PUT_SCRIPT, [f"{self.prefix}state:{key}"], args)
        if int(version) < 0:
            raise StateConflict(key, expected, int(seqs))
        return int(version), [int(seq) for seq in seqs]

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                self._client.close()
            self._client = None
