"""Read-only views of swarm runs for ``petri status`` and the dashboard: where the run stands,
its task graph, who holds what and which results wait for a person."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from petri.agents.journal import SwarmState
from petri.agents.models import TaskState
from petri.runtime.runs import RunInfo
from petri.runtime.store import Event
from petri.runtime.store import from_url as store_from_url


def swarm_state(info: RunInfo, observe: Callable[[Event], object] | None = None) -> SwarmState:
    """The run's state from its events; ``observe`` sees each event too (one replay serves a
    view that needs more than the state keeps, such as a task's log lines)."""
    store = store_from_url(info.store)
    try:
        events = store.replay(info.run_id)
        return SwarmState.replay(info.run_id, events if observe is None else _tee(events, observe))
    finally:
        store.close()


def _tee(events: Iterator[Event], observe: Callable[[Event], object]) -> Iterator[Event]:
    for event in events:
        observe(event)
        yield event


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


def holders(state: SwarmState, leased: Mapping[str, str] | None = None) -> dict[str, list[str]]:
    """Running tasks whose result is not in yet -> the workers that hold them, sorted.

    ``leased`` (queue id -> worker) is what the tasks' latest ``task_leased`` events name (the
    runtime's workers record themselves). For a task without one (events of older runs), the
    holder is derived: one of the workers that joined with its capability, exactly known when
    only one did. An empty list: its worker has not joined yet. A worker that has since died
    stays listed (no event says it left).
    """
    named = leased or {}
    held: dict[str, list[str]] = {}
    for task in sorted(state.tasks.values(), key=lambda t: t.order):
        if task.status is TaskState.RUNNING and task.queue_id not in state.results:
            if task.queue_id in named:
                held[task.id] = [named[task.queue_id]]
                continue
            held[task.id] = sorted(
                w for w, caps in state.workers.items() if task.capability in caps
            )
    return held


def waiting_reviews(state: SwarmState) -> list[dict[str, Any]]:
    """Review requests of this run still waiting for a person (as ``petri review`` lists them):
    undecided, and their task still in review at the requested version."""
    found = []
    for review, request in state.reviews.items():
        task = state.tasks.get(str(request["task"]))
        if task is None or review in state.decisions:
            continue
        if task.status is TaskState.REVIEW and task.version == request["version"]:
            found.append(request)
    return found
