"""In-memory store: the test double for every other backend (one lock, plain dicts)."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

from petri.errors import StateConflict
from petri.runtime.store.base import Clock, Encoded, Store

Row = tuple[int, str, str, float]


class MemoryStore(Store):
    """Everything in dicts guarded by one lock; lost when the process ends."""

    def __init__(self, clock: Clock = time.time) -> None:
        super().__init__(clock)
        self._lock = threading.Lock()
        self._logs: dict[str, list[Row]] = {}
        self._last: dict[str, int] = {}
        self._state: dict[str, tuple[str, int]] = {}

    @classmethod
    def from_url(cls, url: str) -> MemoryStore:
        """``memory://`` (anything after the scheme is ignored)."""
        return cls()

    def _append_locked(self, events: Sequence[Encoded]) -> list[int]:
        seqs = []
        for run, etype, payload, at in events:
            seq = self._last.get(run, 0) + 1
            self._last[run] = seq
            self._logs.setdefault(run, []).append((seq, etype, payload, at))
            seqs.append(seq)
        return seqs

    def _append(self, events: Sequence[Encoded]) -> list[int]:
        with self._lock:
            return self._append_locked(events)

    def _read(self, run_id: str, after_seq: int, limit: int | None) -> list[Row]:
        with self._lock:
            rows = [row for row in self._logs.get(run_id, []) if row[0] > after_seq]
        return rows if limit is None else rows[:limit]

    def _compact(self, run_id: str, keep_after_seq: int) -> None:
        with self._lock:
            rows = self._logs.get(run_id, [])
            self._logs[run_id] = [row for row in rows if row[0] > keep_after_seq]

    def _get(self, key: str) -> tuple[str | None, int]:
        with self._lock:
            return self._state.get(key, (None, 0))

    def _put(
        self, key: str, value: str, expected: int, events: Sequence[Encoded]
    ) -> tuple[int, list[int]]:
        with self._lock:
            current = self._state.get(key, (None, 0))[1]
            if current != expected:
                raise StateConflict(key, expected, current)
            self._state[key] = (value, current + 1)
            return current + 1, self._append_locked(events)
