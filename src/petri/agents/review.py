"""Human review: results the judge was unsure of wait here for a person, across restarts.

A review is named ``RUN:TASK@VERSION``; any unique part of that works (``t3``, ``t3@1``,
``r2026...:t3``). Approving or rejecting appends one event (who, when, note) to the run; the
run's coordinator picks it up (``petri review`` then resumes the run itself).
"""

from __future__ import annotations

import getpass
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from petri.agents import journal
from petri.agents.models import TaskState
from petri.agents.status import swarm_state
from petri.errors import ReviewError
from petri.runtime.runs import RunInfo, lookup, recent
from petri.runtime.store import from_url as store_from_url


@dataclass(frozen=True)
class Waiting:
    """One result waiting for a person."""

    id: str
    run: RunInfo
    request: dict[str, Any]


def waiting(home: Path, run: str | None = None, limit: int = 50) -> list[Waiting]:
    """Results waiting for review, in one run or in the recent swarm runs."""
    runs = [lookup(home, run)] if run is not None else recent(home, limit)
    found: list[Waiting] = []
    for info in runs:
        if info.kind != "swarm":
            continue
        state = swarm_state(info)
        for review, request in state.reviews.items():
            task = state.tasks.get(str(request["task"]))
            if task is None or review in state.decisions:
                continue
            if task.status is TaskState.REVIEW and task.version == request["version"]:
                found.append(Waiting(f"{info.run_id}:{review}", info, request))
    return found


def decide(
    home: Path, review_id: str, decision: str, note: str = "", who: str | None = None
) -> Waiting:
    """Approve or reject a waiting result; the decision is an event of its run."""
    if decision not in ("approve", "reject"):
        raise ReviewError(f"a review is approved or rejected, not {decision!r}")
    match = find(home, review_id)
    info, request = match.run, match.request
    payload = {
        "review": request["review"],
        "task": request["task"],
        "version": request["version"],
        "decision": decision,
        "who": who or _user(),
        "note": note,
        "at": time.time(),
    }
    etype = journal.REVIEW_APPROVED if decision == "approve" else journal.REVIEW_REJECTED
    store = store_from_url(info.store)
    try:
        store.append(info.run_id, etype, payload)
    finally:
        store.close()
    return match


def find(home: Path, review_id: str) -> Waiting:
    """The one waiting review ``review_id`` names; ``ReviewError`` otherwise."""
    run = None
    if ":" in review_id:
        run, _, review_id = review_id.rpartition(":")
    candidates = waiting(home, run)
    matches = [w for w in candidates if _names(w, review_id)]
    if not matches:
        listed = ", ".join(w.id for w in candidates[:5]) or "none is waiting"
        raise ReviewError(
            f"no result waiting for review is named {review_id!r} ({listed}); "
            "`petri review` lists them"
        )
    if len(matches) > 1:
        raise ReviewError(
            f"{review_id!r} names {len(matches)} waiting results; give the run too (RUN:TASK)"
        )
    return matches[0]


def _names(w: Waiting, review_id: str) -> bool:
    review = str(w.request["review"])
    return review_id in (review, str(w.request["task"]))


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
