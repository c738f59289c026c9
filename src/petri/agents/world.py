"""Expectation against reality: consistency checks after promotions, and the investigation.

After every ``check_every`` promotions (and before the run ends) the coordinator asks the world
model for a check task on the shared state as it now is, and pauses further promotions until
the answer comes. If something that was expected to hold does not, the run investigates: the
promotions since the last good check are bisected (each step a check on a prefix of them), the
first one whose inclusion breaks an expectation is the culprit, and it is reverted with a
compare-and-set write that records the evidence. The planner hears of it like of a rejection,
and the run goes on from a state checked again.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from petri.agents import journal
from petri.agents.models import SwarmTask
from petri.agents.planning import WorldModel
from petri.agents.shared import state_key
from petri.errors import StateConflict
from petri.runtime.store import NewEvent

if TYPE_CHECKING:
    from petri.agents.coordinator import Coordinator


class Checker:
    """The coordinator's consistency checks and investigations, all kept in its events."""

    def __init__(self, coordinator: Coordinator, world: WorldModel) -> None:
        self.c = coordinator
        self.world = world
        self.kinds = world.check_kinds

    # -- when to check -------------------------------------------------------------------------

    def busy(self) -> bool:
        """A check is pending or an investigation is running: promotions wait."""
        s = self.c.state
        return s.investigation is not None or any(cid not in s.checked for cid in s.checks)

    def step(self) -> bool:
        s = self.c.state
        pending = [cid for cid in s.checks if cid not in s.checked]
        for cid in pending:  # requested before a crash, but never planned: plan it now
            if self._task_id(cid) not in s.tasks:
                self._plan_check(cid)
                return True
        if self.busy():
            return False
        if self._unverified() >= self.c.settings.check_every:
            self.request(len(s.promotions), purpose="promotions")
            return True
        return False

    def request_final(self) -> bool:
        """Before the run ends: check the promotions no check has seen yet."""
        if self.busy() or self._unverified() == 0:
            return False
        self.request(len(self.c.state.promotions), purpose="final")
        return True

    def _unverified(self) -> int:
        return len(self.c.state.promotions) - self.c.state.verified

    def request(self, upto: int, *, purpose: str) -> None:
        s = self.c.state
        cid = f"check-{len(s.checks) + 1}"
        expected = sorted(self.world.expected(s, upto))
        payload = {"check": cid, "upto": upto, "purpose": purpose, "expected": expected,
                   "values": s.values(upto)}  # fmt: skip
        self.c.append([NewEvent(self.c.run_id, journal.CHECK_REQUESTED, payload)])
        self._plan_check(cid)

    def _plan_check(self, cid: str) -> None:
        request = self.c.state.checks[cid]
        spec = self.world.check_task(cid, request["values"], request["expected"])
        spec = spec.model_copy(update={"id": self._task_id(cid)})
        self.c.plan([spec], reason=f"consistency {request['purpose']}")

    @staticmethod
    def _task_id(cid: str) -> str:
        return cid

    # -- answers -------------------------------------------------------------------------------

    def collect(self, task: SwarmTask, result: Mapping[str, Any]) -> None:
        """Fold a check task's result: record it, and investigate a violation."""
        s = self.c.state
        cid = str(task.payload.get("check", task.id))
        request = s.checks.get(cid, {"upto": len(s.promotions), "expected": [], "purpose": ""})
        violations = self.world.violations(result, request["expected"])
        ok = not violations
        upto = int(request["upto"])
        checked = {"check": cid, "ok": ok, "violations": violations[:200], "upto": upto,
                   "purpose": request["purpose"], "verifies": upto if ok else None,
                   "evidence": result.get("summary", {})}  # fmt: skip
        accepted = NewEvent(self.c.run_id, journal.TASK_ACCEPTED,
                            {"task": task.id, "version": task.version})  # fmt: skip
        self.c.append([accepted, NewEvent(self.c.run_id, journal.CHECKED, checked)])
        if s.investigation is not None:
            self._bisect_step(upto, ok, violations)
        elif not ok:
            self._investigate(upto, violations)

    def _investigate(self, upto: int, violations: list[str]) -> None:
        lo = self.c.state.verified
        self._set_investigation(lo, upto, violations)
        self._next(lo, upto, violations)

    def _bisect_step(self, mid: int, ok: bool, violations: list[str]) -> None:
        inv = self.c.state.investigation or {}
        lo, hi = int(inv["lo"]), int(inv["hi"])
        evidence = list(inv.get("violations", []))
        if ok:
            lo = mid
        else:
            hi, evidence = mid, violations
        self._set_investigation(lo, hi, evidence)
        self._next(lo, hi, evidence)

    def _set_investigation(self, lo: int, hi: int, violations: list[str]) -> None:
        payload = {"lo": lo, "hi": hi, "violations": violations[:200]}
        self.c.append([NewEvent(self.c.run_id, journal.INVESTIGATION_STARTED, payload)])

    def _next(self, lo: int, hi: int, violations: list[str]) -> None:
        if hi - lo <= 1:
            self._revert(hi - 1, violations, lo)
        else:
            self.request((lo + hi) // 2, purpose="bisect")

    def _revert(self, index: int, violations: list[str], good: int) -> None:
        s = self.c.state
        culprit = s.promotions[index]
        key = state_key(self.c.run_id, culprit.key)
        evidence = {"broken": violations[:200], "promotion": index, "task": culprit.task}
        while True:
            current, version = self.c.store.get(key)
            value = self.world.revert(culprit, current)
            payload = {"promotion": index, "task": culprit.task, "key": culprit.key,
                       "value": value, "before": current, "state_version": version + 1,
                       "evidence": evidence}  # fmt: skip
            event = NewEvent(self.c.run_id, journal.PROMOTION_REVERTED, payload)
            done = NewEvent(self.c.run_id, journal.INVESTIGATION_DONE, {"verifies": good})
            try:
                self.c.store.put(key, value, version, [event, done])
                break
            except StateConflict:  # only the coordinator writes while promotions pause
                continue
        self.c.tail()
        task = s.tasks.get(culprit.task)
        if task is not None:
            self.c.decide(task, f"reverted: it broke {len(violations)} expectation(s)", evidence)
