"""Stopping a run of any job by name, for ``petri stop`` and the dashboard.

The request itself is ``petri.runtime.stop``; here is what needs to know the jobs: whether a
run has already ended (read from its events, which the caller may replay: only the run's
coordinator must not) and at which boundary each job looks for the request.
"""

from __future__ import annotations

from pathlib import Path

from petri.errors import ConfigError
from petri.runtime.runs import RunInfo, lookup
from petri.runtime.stop import StopRequest, request_stop
from petri.runtime.store import from_url as store_from_url

#: Longest reason kept with a request.
MAX_REASON = 500

#: Where each job's coordinator looks for a stop request.
BOUNDARY = {
    "evolve": "after its current generation",
    "ecosystem": "between two ticks",
    "swarm": "within a second, between two steps",
}


def ended(info: RunInfo) -> str | None:
    """The status the run ended with (``stopped`` included), or None while it may go on."""
    if info.kind == "swarm":
        from petri.agents.status import run_status, swarm_state

        swarm = swarm_state(info)
        over = swarm.finished is not None or swarm.stopped is not None
        return run_status(swarm) if over else None
    if info.kind == "ecosystem":
        from petri.ecosystem.history import read_history

        finished = read_history(info).finished
        return None if finished is None else str(finished.get("status", "finished"))
    from petri.evolve.events import RUN_FINISHED

    store = store_from_url(info.store)
    try:  # only its run_finished matters: the other events are not parsed
        done = [e.payload for e in store.replay(info.run_id) if e.type == RUN_FINISHED]
    finally:
        store.close()
    return str(done[-1].get("status", "finished")) if done else None


def request(info: RunInfo, who: str, reason: str = "") -> StopRequest:
    """Write the stop request into the run's own store (whether or not it has ended)."""
    if len(reason) > MAX_REASON:
        raise ConfigError(f"the reason is {len(reason)} characters; keep it under {MAX_REASON}")
    store = store_from_url(info.store)
    try:
        return request_stop(store, info.run_id, who, reason)
    finally:
        store.close()


def stop_run(home: Path, name: str, who: str, reason: str = "") -> tuple[RunInfo, StopRequest]:
    """Ask the run named ``name`` to stop; ConfigError for an unknown or an ended run."""
    info = lookup(home, name)
    status = ended(info)
    if status is not None:
        raise ConfigError(f"run {info.run_id} has already ended ({status}); nothing to stop")
    return info, request(info, who, reason)
