"""Promotion: an approved result's change written to the shared state with compare-and-set.

The write and the events that explain it (the verdict, ``task_promoted`` with the value before
and after) go in one transaction. When the state moved on while the task ran, the write raises
``StateConflict`` and nothing is stored; then the task's agent may rebase the change onto the
newer value itself (``Agent.rebase``), or the task runs again as its next version on the newer
state. Either way both changes end up in: none is lost.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from petri.agents import journal
from petri.agents.models import SwarmTask
from petri.agents.shared import state_key
from petri.errors import StateConflict
from petri.runtime.store import NewEvent, Store

#: ``rebase(task, result, current_value, current_version)``: a value to write, or None.
Rebase = Callable[[SwarmTask, Mapping[str, Any], Any, int], Any]
#: Rebases by the agent in a row before the task runs again instead.
MAX_REBASES = 20


class Promoter:
    """Writes approved changes of one run. ``rebase_for(kind)`` gives the agent's rebase."""

    def __init__(self, store: Store, run_id: str, rebase_for: Callable[[str], Rebase | None]):
        self.store = store
        self.run_id = run_id
        self.rebase_for = rebase_for

    def promote(
        self,
        task: SwarmTask,
        result: Mapping[str, Any],
        change: Mapping[str, Any],
        events: Sequence[NewEvent],
    ) -> bool:
        """Write ``change`` with ``events``; False when the task was sent to run again."""
        name = str(change["key"])
        key = state_key(self.run_id, name)
        value, base = change.get("value"), int(change.get("base_version", 0))
        for _ in range(MAX_REBASES):
            before, _version = self.store.get(key)
            promoted = self._promoted(task, name, value, before, base)
            try:
                self.store.put(key, value, base, [*events, promoted])
                return True
            except StateConflict as conflict:
                rebase = self.rebase_for(task.kind)
                current, version = self.store.get(key)
                rebased = rebase(task, result, current, version) if rebase is not None else None
                if rebased is None:
                    self._run_again(task, name, conflict, version, events)
                    return False
                events = [*events, self._conflict(task, name, conflict, version, "rebase")]
                value, base = rebased, version
        self._run_again(task, name, StateConflict(key, base, base + 1), base, events)
        return False

    def _promoted(self, task: SwarmTask, name: str, value: Any, before: Any, base: int) -> NewEvent:
        payload = {
            "task": task.id,
            "version": task.version,
            "key": name,
            "value": value,
            "before": before,
            "state_version": base + 1,
        }
        return NewEvent(self.run_id, journal.TASK_PROMOTED, payload)

    def _run_again(
        self,
        task: SwarmTask,
        name: str,
        conflict: StateConflict,
        version: int,
        events: Sequence[NewEvent],
    ) -> None:
        rebase = {"key": name, "from": conflict.expected, "to": version}
        payload = {**task.payload, "rebase": rebase}

        rebased = NewEvent(
            self.run_id,
            journal.TASK_REBASED,
            {"task": task.id, "new_version": task.version + 1, "payload": payload,
             "strategy": task.strategy, "reason": str(conflict)},
        )  # fmt: skip
        lost = self._conflict(task, name, conflict, version, "rerun")
        self.store.append_many([*events, lost, rebased])

    def _conflict(
        self, task: SwarmTask, name: str, conflict: StateConflict, found: int, resolved: str
    ) -> NewEvent:
        """The record of a lost race on ``name`` and how it was resolved."""
        payload = {"task": task.id, "version": task.version, "key": name,
                   "expected": conflict.expected, "found": found, "resolved": resolved}  # fmt: skip
        return NewEvent(self.run_id, journal.STATE_CONFLICT, payload)
