"""An ecosystem run read back from its events: for ``petri status``, ``resume`` and ``report``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from petri.errors import ConfigError
from petri.runtime.runs import RunInfo, lookup
from petri.runtime.store import Event
from petri.runtime.store import from_url as store_from_url


@dataclass(frozen=True)
class Network:
    """The interaction network as a ``measures`` event recorded it: its heaviest edges
    ``(a, b, weight, kind)``, their species' populations and Louvain communities. Species are
    labels here: a report shows them, nothing computes with them."""

    tick: int
    nodes_total: int
    edges_total: int
    edges: list[tuple[str, str, float, str]]
    population: dict[str, int]
    communities: list[list[str]]

    @classmethod
    def of(cls, measures: dict[str, Any]) -> Network | None:
        """The network of a ``measures`` payload; None for runs that did not record it."""
        whole = measures.get("network") or {}
        top = whole.get("top")
        if not isinstance(top, dict):
            return None
        return cls(
            tick=int(measures.get("tick", 0)),
            nodes_total=int(whole.get("nodes", 0)),
            edges_total=int(top.get("edges_total", len(top["edges"]))),
            edges=[(str(a), str(b), float(w), str(k)) for a, b, w, k in top["edges"]],
            population={str(s): int(n) for s, n in top["population"]},
            communities=[[str(s) for s in c] for c in top["communities"]],
        )


@dataclass
class History:
    """The events of one run, sorted by type (each list in the order recorded)."""

    info: RunInfo
    started: dict[str, Any] = field(default_factory=dict)
    ticks: list[dict[str, Any]] = field(default_factory=list)
    measures: list[dict[str, Any]] = field(default_factory=list)
    snapshots: list[dict[str, Any]] = field(default_factory=list)
    catastrophes: list[dict[str, Any]] = field(default_factory=list)
    species_born: int = 0
    species_extinct: int = 0
    finished: dict[str, Any] | None = None

    @classmethod
    def of(cls, info: RunInfo, events: list[Event]) -> History:
        history = cls(info)
        lists = {
            "tick": history.ticks,
            "measures": history.measures,
            "snapshot": history.snapshots,
            "catastrophe": history.catastrophes,
        }
        for event in events:
            if event.type in lists:
                lists[event.type].append(event.payload)
            elif event.type == "ecosystem_started":
                history.started = event.payload
            elif event.type == "species_born":
                history.species_born += len(event.payload.get("species", []))
            elif event.type == "species_extinct":
                history.species_extinct += len(event.payload.get("species", []))
            elif event.type == "ecosystem_finished":
                history.finished = event.payload
            elif event.type == "ecosystem_resumed":  # a stopped run goes on
                history.finished = None
        return history

    @property
    def network(self) -> Network | None:
        """The latest interaction network recorded; None before the first (or in old runs)."""
        for measures in reversed(self.measures):
            found = Network.of(measures)
            if found is not None:
                return found
        return None

    @property
    def status(self) -> str:
        if self.finished is not None:
            return str(self.finished.get("status", "finished"))  # finished or stopped
        return "running or interrupted (petri resume)" if self.started else "no events"

    def row(self) -> dict[str, Any]:
        """The run in the columns ``petri status`` lists for every job."""
        last = self.ticks[-1] if self.ticks else {}
        started = datetime.fromtimestamp(self.info.created, UTC).strftime("%Y-%m-%d %H:%M UTC")
        now = {k: float(last.get(k, 0)) for k in ("population", "species", "tasks")}
        return {
            "run": self.info.run_id,
            "problem": Path(self.info.problem).name,
            "status": self.status,
            "generations": f"{last.get('tick', 0)} ticks",
            "evaluations": int(last.get("genomes", 0)),
            "best": now,
            "started": started,
            "out": self.info.out,
        }


def read_history(info: RunInfo) -> History:
    """The run's events, read from its store."""
    store = store_from_url(info.store)
    try:
        return History.of(info, list(store.replay(info.run_id)))
    finally:
        store.close()


def ecosystem_run(home: Path, name: str) -> RunInfo:
    """The ecosystem run named ``name``; ConfigError when it is a run of another job."""
    info = lookup(home, name)
    if info.kind != "ecosystem":
        raise ConfigError(f"run {info.run_id} is a {info.kind} run, not an ecosystem run")
    return info
