"""The repository swarm's world model: what must hold after promotions, and how to undo one.

Expected after the first *k* promotions: every test of the suite that passed at the last good
check before them (at first, the round-one analysis), plus every test each of those promotions
claimed to fix. Held-out tests are measured by every check and reported, but are not
expectations: with several bugs in a repository a held-out test can pass by accident (two bugs
cancelling out), and repairing one of them rightly makes it fail until the other is repaired.
The check task is the tester on that state. A promotion is undone by a three-way merge that
takes its change out of the file as it is now, keeping later changes of other tasks; when they
overlap, the file goes back to what it was before the promotion.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from petri.agents.journal import Promotion, SwarmState
from petri.agents.models import TaskSpec, TaskState
from petri.agents.repo.diffs import merge
from petri.agents.repo.workspace import get_blob, materialize, pins_of, put_blob
from petri.runtime.store import Store


class RepoWorld:
    check_kinds = frozenset({"check"})

    def __init__(self, store: Store, digest: str) -> None:
        self.store = store
        self.digest = digest

    def expected(self, state: SwarmState, upto: int) -> list[str]:
        holds, since = self._baseline(state, upto)
        for promotion in state.promotions[since:upto]:
            if promotion.reverted or promotion.task.startswith("revert:"):
                continue
            task = state.tasks.get(promotion.task)
            if task is None:
                continue
            result = state.results.get(f"{task.id}@{promotion.version}", {})
            holds |= {f"tests::{t}" for t in result.get("fixed", [])}
        return sorted(holds)

    def _baseline(self, state: SwarmState, upto: int) -> tuple[set[str], int]:
        """What held at the last good check covering at most ``upto`` promotions, and how
        many promotions that check covered (the round-one analysis when there is none)."""
        best: tuple[int, set[str]] | None = None
        for cid, outcome in state.checked.items():
            covered = int(outcome.get("upto", 0))
            if not outcome.get("ok") or covered > upto:
                continue
            result = state.results.get(f"{cid}@1") or _result_of(state, cid)
            if best is None or covered >= best[0]:
                holds = {h for h in result.get("holds", []) if h.startswith("tests::")}
                best = (covered, holds)
        if best is not None:
            return best[1], best[0]
        first = state.tasks.get("analyze-1")
        result = state.results.get(first.queue_id, {}) if first is not None else {}
        return {f"tests::{t}" for t in result.get("passed", [])}, 0

    def check_task(
        self, check_id: str, values: Mapping[str, Any], expected: Sequence[str]
    ) -> TaskSpec:
        payload = {"check": check_id, "pins": pins_of(values), "expected": len(expected)}
        return TaskSpec(id=check_id, kind="check", capability="test", payload=payload,
                        priority=20, title="whole suite and held-out tests")  # fmt: skip

    def violations(self, result: Mapping[str, Any], expected: Sequence[str]) -> list[str]:
        holds = set(result.get("holds", []))
        return [item for item in expected if item not in holds]

    def revert(self, promotion: Promotion, current: Any) -> Any:
        rel = promotion.key.partition(":")[2]
        after = self._text(promotion.value, rel)
        before = self._text(promotion.before, rel)
        now = self._text(current, rel)
        merged = merge(after, now, before)
        text = before if merged is None else merged
        return {"blob": put_blob(self.store, text), "task": f"revert:{promotion.task}"}

    def _text(self, value: Any, rel: str) -> str:
        if isinstance(value, Mapping) and value.get("blob"):
            return get_blob(self.store, str(value["blob"]))
        return (materialize(self.store, self.digest, {}) / rel).read_text(encoding="utf-8")


def _result_of(state: SwarmState, cid: str) -> dict[str, Any]:
    task = state.tasks.get(cid)
    if task is None or task.status is not TaskState.DONE:
        return {}
    return state.results.get(task.queue_id, {})
