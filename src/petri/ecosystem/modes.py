"""Open-endedness measures computed online, after the MODES toolbox (Dolson, Vostinar, Wiser
and Ofria 2019, "The MODES toolbox: Measurements of Open-Ended Dynamics in Evolving Systems").

At each checkpoint (every N ticks) a persistence filter keeps the types (species here) present
now and ``persistence`` checkpoints ago: what only flickers through does not count. Then:

- change: persistent types now that were not persistent at the previous checkpoint;
- novelty: persistent types never persistent before;
- complexity: the largest (and the mean) complexity of the persistent types, as the caller
  measures it (the tasks their genomes perform);
- ecology: the Shannon diversity (natural log) of the persistent types' abundances now.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Measures:
    """One checkpoint's measures."""

    tick: int
    persistent: int
    change: int
    novelty: int
    complexity_max: float
    complexity_mean: float
    ecology: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class Modes:
    """Checkpoints recorded in order; ``record`` gives each one's measures."""

    def __init__(self, persistence: int = 2) -> None:
        if persistence < 1:
            raise ValueError("persistence is a number of checkpoints, at least 1")
        self.persistence = persistence
        self.present: list[set[str]] = []  # the types present at each checkpoint
        self.persistent_before: set[str] = set()  # persistent at the previous checkpoint
        self.ever: set[str] = set()  # persistent at any checkpoint so far
        self.history: list[Measures] = []

    def record(
        self, tick: int, abundance: Mapping[str, int], complexity: Mapping[str, float]
    ) -> Measures:
        """Measure the checkpoint at ``tick``: ``abundance`` per type present, ``complexity``
        per type (missing: 0)."""
        now = {t for t, n in abundance.items() if n > 0}
        self.present.append(now)
        past = self.present[-1 - self.persistence] if len(self.present) > self.persistence else None
        persistent = now & past if past is not None else set()
        values = [float(complexity.get(t, 0.0)) for t in sorted(persistent)]
        total = sum(abundance[t] for t in persistent)
        ecology = -sum(
            (abundance[t] / total) * math.log(abundance[t] / total) for t in persistent
        ) if total else 0.0  # fmt: skip
        measures = Measures(
            tick=tick,
            persistent=len(persistent),
            change=len(persistent - self.persistent_before),
            novelty=len(persistent - self.ever),
            complexity_max=max(values, default=0.0),
            complexity_mean=sum(values) / len(values) if values else 0.0,
            ecology=round(ecology, 6),
        )
        self.persistent_before = persistent
        self.ever |= persistent
        self.present = self.present[-self.persistence - 1 :]
        self.history.append(measures)
        return measures

    def to_json(self) -> dict[str, Any]:
        return {
            "persistence": self.persistence,
            "present": [sorted(p) for p in self.present],
            "persistent_before": sorted(self.persistent_before),
            "ever": sorted(self.ever),
            "history": [m.to_dict() for m in self.history],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Modes:
        made = cls(int(data["persistence"]))
        made.present = [set(p) for p in data["present"]]
        made.persistent_before = set(data["persistent_before"])
        made.ever = set(data["ever"])
        made.history = [Measures(**m) for m in data["history"]]
        return made
