"""The store interface: an append-only event log and versioned state with compare-and-set.

Public methods validate, encode and stamp the time once, then call a small backend hook
(``_append``, ``_read``, ``_compact``, ``_get``, ``_put``). Payloads and values are JSON; the
backends only ever see encoded strings.

Sequences: every event gets a sequence number that is strictly increasing within its run and
starts above 0. The embedded, memory and Redis backends keep a per-run counter, so their
sequences are contiguous (1, 2, 3, ...); NATS uses the stream's sequence, increasing but with
gaps. Compaction never makes a sequence be reused.

Versions: ``0`` means "absent". A successful ``put`` returns a new version greater than the
one it replaced (``+1`` except on NATS, where it is the KV revision). The store keeps only the
current value of each state object, so old versions need no pruning; retention is about events
(``compact``), optionally after exporting them (``petri.runtime.store.files.export_events``).
"""

from __future__ import annotations

import json
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from petri.errors import BackendError

Clock = Callable[[], float]

#: One encoded event as the backends see it: (run_id, type, payload_json, time).
Encoded = tuple[str, str, str, float]


@dataclass(frozen=True)
class NewEvent:
    """An event to append: the store assigns its sequence and time."""

    run_id: str
    type: str
    payload: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Event:
    """An event as stored: ``seq`` is strictly increasing within ``run_id``."""

    run_id: str
    seq: int
    type: str
    payload: dict[str, Any]
    time: float


def _encode(value: Any) -> str:
    try:
        return json.dumps(value, separators=(",", ":"), sort_keys=True)
    except (TypeError, ValueError) as exc:
        raise BackendError(f"value is not JSON-serialisable: {exc}") from exc


class Store(ABC):
    """Event log plus versioned state. Safe to share between threads of one process.

    A store does no I/O in its constructor; it connects on first use. ``close()`` releases the
    connection; using the store again reconnects.
    """

    #: Largest batch read from the backend per round trip by ``replay``.
    page = 1000

    def __init__(self, clock: Clock = time.time) -> None:
        self.clock = clock

    @classmethod
    def from_url(cls, url: str) -> Store:
        """Build the backend from its URL without connecting."""
        raise NotImplementedError(cls.__name__)

    # -- events -----------------------------------------------------------------------------

    def append(self, run_id: str, type: str, payload: Mapping[str, Any] | None = None) -> Event:
        """Append one event to ``run_id``'s log and return it as stored."""
        return self.append_many([NewEvent(run_id, type, payload or {})])[0]

    def append_many(self, events: Sequence[NewEvent]) -> list[Event]:
        """Append ``events`` atomically, in order, in one round trip; return them as stored.

        Either all events are stored or none is. Events of several runs may be mixed; each run's
        events get increasing sequences in the order given.
        """
        encoded = self._encode_events(events)
        if not encoded:
            return []
        return self._events(encoded, self._append(encoded))

    def read(self, run_id: str, after_seq: int = 0, limit: int | None = None) -> list[Event]:
        """Return up to ``limit`` events of ``run_id`` with ``seq > after_seq``, in order.

        An unknown run has no events. Compacted events are gone.
        """
        if limit is not None and limit <= 0:
            return []
        return [
            Event(run_id, seq, etype, json.loads(payload), at)
            for seq, etype, payload, at in self._read(run_id, after_seq, limit)
        ]

    def replay(self, run_id: str, after_seq: int = 0) -> Iterator[Event]:
        """Yield every event of ``run_id`` after ``after_seq``, paging through the log."""
        while True:
            batch = self.read(run_id, after_seq, self.page)
            yield from batch
            if len(batch) < self.page:
                return
            after_seq = batch[-1].seq

    def compact(self, run_id: str, keep_after_seq: int) -> None:
        """Delete ``run_id``'s events with ``seq <= keep_after_seq`` (retention).

        Later appends continue after the highest sequence ever assigned; nothing is renumbered.
        """
        self._compact(run_id, keep_after_seq)

    # -- state ------------------------------------------------------------------------------

    def get(self, key: str) -> tuple[Any, int]:
        """Return ``(value, version)`` of state object ``key``; ``(None, 0)`` if absent."""
        raw, version = self._get(key)
        return (None if raw is None else json.loads(raw)), version

    def put(
        self,
        key: str,
        value: Any,
        expected_version: int,
        events: Sequence[NewEvent] = (),
    ) -> int:
        """Write ``value`` if ``key`` is still at ``expected_version`` (0: must not exist).

        Returns the new version. ``events`` are appended in the same transaction: either the
        state changes and the events are stored, or neither happens. A stale
        ``expected_version`` raises ``StateConflict`` and stores nothing.
        """
        if expected_version < 0:
            raise ValueError("expected_version must be >= 0")
        version, _seqs = self._put(
            key, _encode(value), expected_version, self._encode_events(events)
        )
        return version

    def close(self) -> None:
        """Release connections; the store reconnects if used again."""
        return None

    # -- helpers ----------------------------------------------------------------------------

    def _encode_events(self, events: Sequence[NewEvent]) -> list[Encoded]:
        now = self.clock()
        out: list[Encoded] = []
        for event in events:
            if not event.run_id or not event.type:
                raise ValueError("an event needs a run_id and a type")
            out.append((event.run_id, event.type, _encode(dict(event.payload)), now))
        return out

    @staticmethod
    def _events(encoded: Sequence[Encoded], seqs: Sequence[int]) -> list[Event]:
        return [
            Event(run, seq, etype, json.loads(payload), at)
            for (run, etype, payload, at), seq in zip(encoded, seqs, strict=True)
        ]

    # -- backend hooks ----------------------------------------------------------------------

    @abstractmethod
    def _append(self, events: Sequence[Encoded]) -> list[int]:
        """Store ``events`` atomically; return their sequences in order."""

    @abstractmethod
    def _read(
        self, run_id: str, after_seq: int, limit: int | None
    ) -> list[tuple[int, str, str, float]]:
        """Return ``(seq, type, payload_json, time)`` rows with ``seq > after_seq``, in order."""

    @abstractmethod
    def _compact(self, run_id: str, keep_after_seq: int) -> None:
        """Delete events with ``seq <= keep_after_seq``."""

    @abstractmethod
    def _get(self, key: str) -> tuple[str | None, int]:
        """Return ``(value_json, version)``; ``(None, 0)`` if absent."""

    @abstractmethod
    def _put(
        self, key: str, value: str, expected: int, events: Sequence[Encoded]
    ) -> tuple[int, list[int]]:
        """CAS-write ``value`` plus ``events`` atomically; raise ``StateConflict`` if stale."""
