"""Read-only views of swarm runs for ``petri status``: where the run stands and its task graph."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from petri.agents.journal import SwarmState
from petri.runtime.runs import RunInfo
from petri.runtime.store import from_url as store_from_url


def swarm_state(info: RunInfo) -> SwarmState:
    store = store_from_url(info.store)
    try:
        return SwarmState.replay(info.run_id, store.replay(info.run_id))
    finally:
        store.close()


def run_status(state: SwarmState) -> str:
    """finished status, stopped, waiting_for_review or running or interrupted."""
    if state.finished is not None:
        return str(state.finished["status"])
    if state.stopped is not None:
        return "stopped"
    if any(t.status.value == "review" for t in state.tasks.values()):
        active = any(
            t.status.value in ("planned", "queued", "running") for t in state.tasks.values()
        )
        if not active:
            return "waiting_for_review"
    return "running or interrupted (petri resume)" if state.config else "no events"


def row(info: RunInfo, state: SwarmState) -> dict[str, Any]:
    """One line of ``petri status`` for a swarm run."""
    counts = state.counts()
    return {
        "run": info.run_id,
        "problem": Path(info.problem).name,
        "status": run_status(state),
        "generations": f"{len(state.tasks)} tasks",
        "evaluations": counts["promoted"],
        "best": {k: float(v) for k, v in counts.items() if v},
        "started": datetime.fromtimestamp(info.created, UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "out": info.out,
    }


def graph(state: SwarmState) -> list[dict[str, Any]]:
    """The task graph, one row per task in plan order: state, dependencies and verdict."""
    rows = []
    for task in sorted(state.tasks.values(), key=lambda t: t.order):
        verdict = state.verdicts.get(task.queue_id) or {}
        rows.append(
            {
                "task": task.id,
                "kind": task.kind,
                "capability": task.capability,
                "title": task.title,
                "state": task.status.value,
                "version": task.version,
                "depends_on": list(task.depends_on),
                "after": list(task.after),
                "score": verdict.get("score"),
            }
        )
    return rows


def describe(info: RunInfo) -> dict[str, Any]:
    """``petri status RUN`` of a swarm run: its row plus the task graph and workers."""
    state = swarm_state(info)
    return {
        **row(info, state),
        "tasks": graph(state),
        "workers": state.workers,
        "usage": state.usage,
        "stopped": (state.stopped or {}).get("reason"),
        "gave_up": state.gave_up,
    }
