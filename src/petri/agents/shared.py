"""Shared state for agents: versioned objects written with compare-and-set, never with locks.

Every object lives in the run's store under ``swarm:{run}:state:{name}`` with a version. A
writer states the version it read; a stale write raises ``StateConflict`` and changes nothing.
``update`` is the rebase loop on top: read, apply the change to what is there now, write; on
a conflict read again and re-apply, so two writers never overwrite each other and no update is
lost (tested with parallel writers on every store backend).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from typing import Any

from petri.errors import BackendError, StateConflict
from petri.runtime.store import NewEvent, Store

#: Attempts of one ``update`` before it gives up (each one lost a race to another writer).
MAX_REBASES = 200


def state_key(run_id: str, name: str) -> str:
    """The store key of shared object ``name`` of run ``run_id``."""
    return f"swarm:{run_id}:state:{name}"


class SharedState:
    """The versioned objects of one run. ``conflicts`` counts the races lost (and rebased)."""

    def __init__(
        self,
        store: Store,
        run_id: str,
        *,
        rng: random.Random | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.store = store
        self.run_id = run_id
        self.rng = rng or random.Random(0)
        self.sleep = sleep
        self.conflicts = 0

    def get(self, name: str) -> tuple[Any, int]:
        """``(value, version)``; ``(None, 0)`` when the object does not exist yet."""
        return self.store.get(state_key(self.run_id, name))

    def put(
        self, name: str, value: Any, expected_version: int, events: Sequence[NewEvent] = ()
    ) -> int:
        """Write ``value`` if the object is still at ``expected_version``; the new version.

        Raises ``StateConflict`` when another writer got there first; ``events`` are stored in
        the same transaction as the write, or not at all.
        """
        return self.store.put(state_key(self.run_id, name), value, expected_version, events)

    def update(
        self,
        name: str,
        change: Callable[[Any, int], Any],
        events: Callable[[Any, int], Sequence[NewEvent]] = lambda value, version: (),
    ) -> tuple[Any, int]:
        """Apply ``change(current_value, current_version)`` with compare-and-set, rebasing on
        every conflict; return the value written and its version.

        ``change`` must be a pure function of what it is given: it runs again on the newer
        value after each lost race (the rebase). ``events(new_value, base_version)`` are
        stored with the write that succeeds.
        """
        for attempt in range(MAX_REBASES):
            current, version = self.get(name)
            new = change(current, version)
            try:
                written = self.put(name, new, version, events(new, version))
            except StateConflict:
                self.conflicts += 1
                # Writers that lost together should not collide again in lockstep.
                self.sleep(self.rng.uniform(0, min(0.05, 0.001 * 2**attempt)))
                continue
            return new, written
        raise BackendError(
            f"shared state {name!r}: {MAX_REBASES} writes in a row lost the race; "
            "too many writers on one object"
        )
