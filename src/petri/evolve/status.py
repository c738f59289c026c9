"""Read-only views of runs for ``petri status``, ``report`` and ``export``."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from petri.errors import ConfigError
from petri.evolve.journal import RunState
from petri.runtime.runs import RunInfo, lookup, recent
from petri.runtime.store import from_url as store_from_url

if TYPE_CHECKING:
    from petri.integrations.git import ExportResult


def run_state(home: Path, name: str) -> tuple[RunInfo, RunState]:
    """The run's index record and its state, replayed from every event of it."""
    info = lookup(home, name)
    store = store_from_url(info.store)
    try:
        return info, RunState.replay(info.run_id, store.replay(info.run_id))
    finally:
        store.close()


def describe(home: Path, name: str) -> dict[str, Any]:
    """One run in a few fields: where it stands and its best program so far."""
    info, state = run_state(home, name)
    return row_from(info, state)


def listing(home: Path, limit: int = 20) -> list[dict[str, Any]]:
    """The newest runs, one row each (a run whose store is gone says so)."""
    return [row_of(home, info) for info in recent(home, limit)]


def row_of(home: Path, info: RunInfo) -> dict[str, Any]:
    """One run of any job as a ``petri status`` row, or a row that says it is unreadable."""
    try:
        if info.kind == "swarm":
            from petri.agents.status import row, swarm_state

            return row(info, swarm_state(info))
        if info.kind == "ecosystem":
            from petri.ecosystem.history import read_history

            return read_history(info).row()
        return describe(home, info.run_id)
    except Exception as exc:  # one broken store must not hide the other runs
        return {**_blank(info), "status": f"unreadable: {type(exc).__name__}"}


def row_from(info: RunInfo, state: RunState) -> dict[str, Any]:
    """The ``petri status`` row of an evolve run from its state."""
    row = _blank(info)
    if state.finished is not None:
        row["status"] = state.finished.status
    elif state.started is not None:
        row["status"] = "running or interrupted (petri resume)"
    row["generations"] = len(state.generations)
    row["evaluations"] = state.evaluations
    last = state.last_generation
    row["best"] = last.best_objectives if last is not None else {}
    return row


def _blank(info: RunInfo) -> dict[str, Any]:
    return {
        "run": info.run_id,
        "problem": Path(info.problem).name,
        "status": "no events",
        "generations": 0,
        "evaluations": 0,
        "best": {},
        "started": datetime.fromtimestamp(info.created, UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "out": info.out,
    }


def export_git(home: Path, name: str, branch: str | None) -> ExportResult:
    """Commit the run's best program on a new branch of the problem's repository."""
    from petri.integrations.git import export_branch

    info, state = run_state(home, name)
    if state.promoted is None or state.started is None:
        raise ConfigError(f"run {info.run_id} has no best program yet; `petri resume` it first")
    best = state.born[state.promoted.id]
    program = Path(info.problem) / state.started.program
    message = f"petri: {state.promoted.status} {program.name} (run {info.run_id})"
    return export_branch(program, best.source, branch or f"petri/{info.run_id}", message)
