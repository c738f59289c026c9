"""Stop requests: a person asks a run to end cleanly; its coordinator ends it at a boundary.

A request is the state object ``stop:{run_id}`` in the run's own store, written together with a
``stop_requested`` event in the run's log (one transaction), so it is durable and reaches the
coordinator wherever it runs. The coordinator reads the one key (``store.get``), never the
log: checking costs one round trip. A request stays pending until the run honours it; resuming
a run that stopped withdraws the request it honoured (``withdraw``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from petri.errors import StateConflict
from petri.runtime.store import NewEvent, Store

STOP_REQUESTED = "stop_requested"
STOP_WITHDRAWN = "stop_withdrawn"


@dataclass(frozen=True)
class StopRequest:
    """Who asked a run to stop, when (wall clock) and why."""

    who: str
    at: float
    reason: str = ""

    def describe(self) -> str:
        """``stopped by WHO: REASON``, the line a stopped run shows."""
        return f"stopped by {self.who}" + (f": {self.reason}" if self.reason else "")


def stop_key(run_id: str) -> str:
    return f"stop:{run_id}"


def request_stop(store: Store, run_id: str, who: str, reason: str = "") -> StopRequest:
    """Ask ``run_id`` to stop (again: the newer request replaces a pending one)."""
    request = StopRequest(who=who, at=time.time(), reason=reason)
    event = NewEvent(run_id, STOP_REQUESTED, asdict(request))
    for _ in range(3):  # another request raced this one: write over it
        _, version = store.get(stop_key(run_id))
        try:
            store.put(stop_key(run_id), asdict(request), version, [event])
            return request
        except StateConflict:
            continue
    raise StateConflict(stop_key(run_id), version, store.get(stop_key(run_id))[1])


def stop_requested(store: Store, run_id: str) -> StopRequest | None:
    """The pending stop request of ``run_id``, or None."""
    value, _ = store.get(stop_key(run_id))
    return _parse(value)


def withdraw(store: Store, run_id: str, events: Sequence[NewEvent] = ()) -> bool:
    """Withdraw a pending request (and append ``events`` with it); False when none was."""
    value, version = store.get(stop_key(run_id))
    if _parse(value) is None:
        if events:
            store.append_many(events)
        return False
    withdrawn = NewEvent(run_id, STOP_WITHDRAWN, {"request": value})
    store.put(stop_key(run_id), None, version, [*events, withdrawn])
    return True


class StopCheck:
    """``stop_requested`` at most once per ``every_s`` (0: at every call); the first call
    always looks. Once a request is seen it is returned without looking again."""

    def __init__(
        self,
        store: Store,
        run_id: str,
        every_s: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store, self.run_id, self.every_s, self.clock = store, run_id, every_s, clock
        self.last: float | None = None
        self.found: StopRequest | None = None

    def __call__(self) -> StopRequest | None:
        if self.found is not None:
            return self.found
        now = self.clock()
        if self.last is not None and now - self.last < self.every_s:
            return None
        self.last = now
        self.found = stop_requested(self.store, self.run_id)
        return self.found


def _parse(value: Any) -> StopRequest | None:
    if not isinstance(value, dict) or "who" not in value:
        return None
    return StopRequest(str(value["who"]), float(value.get("at", 0.0)), str(value.get("reason", "")))
