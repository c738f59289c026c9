"""Expectation against reality: checks after promotions pause promotions; a violation is
investigated by bisecting the promotions, the culprit is reverted with its evidence and the
planner is told, and the run goes on."""

from __future__ import annotations

from typing import Any

from swarm_toys import ToyWorld, planner, write

from petri.agents import journal
from petri.agents.models import TaskState
from petri.agents.shared import SharedState
from petri.config import SwarmSettings


def events(inline: Any, etype: str) -> list[dict[str, Any]]:
    return [e.payload for e in inline.store.replay(inline.run_id) if e.type == etype]


def test_good_promotions_are_checked_and_verified(inline: Any) -> None:
    tasks = [write(f"w{n}", f"k{n}", n) for n in range(3)]
    state = inline.run(planner(*tasks), world=ToyWorld())
    checks = events(inline, journal.CHECKED)
    assert checks and all(c["ok"] for c in checks)
    assert state.verified == 3 and state.finished is not None


def test_a_culprit_among_several_promotions_is_bisected_and_reverted(inline: Any) -> None:
    tasks = [write("w0", "k0", 0), write("w1", "k1", 1), write("w2", "k2", "bad"),
             write("w3", "k3", 3)]  # fmt: skip
    settings = SwarmSettings(check_every=4, replans=0, retry_base_s=0.01)
    state = inline.run(planner(*tasks, replans=0), world=ToyWorld(), settings=settings)
    purposes = [c["purpose"] for c in events(inline, journal.CHECK_REQUESTED)]
    assert purposes[0] == "promotions" and "bisect" in purposes
    reverted = events(inline, journal.PROMOTION_REVERTED)
    assert [r["task"] for r in reverted] == ["w2"]
    assert reverted[0]["evidence"]["broken"] == ["ok:k2"]
    assert state.tasks["w2"].status is TaskState.REVERTED
    shared = SharedState(inline.store, inline.run_id)
    assert shared.get("k2")[0] == "reverted" and shared.get("k3")[0] == 3
    assert state.gave_up and state.gave_up[0]["task"] == "w2"
    assert state.investigation is None and state.finished is not None


def test_promotions_wait_while_a_check_is_pending(inline: Any) -> None:
    tasks = [write(f"w{n}", "same", n) for n in range(3)]
    inline.run(planner(*tasks), world=ToyWorld())
    order = [e.type for e in inline.store.replay(inline.run_id)
             if e.type in (journal.TASK_PROMOTED, journal.CHECKED)]  # fmt: skip
    assert order == ["task_promoted", "checked"] * 3
