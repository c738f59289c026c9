"""An evolve run's events, and the run's state as their projection (resume = replay).

The coordinator writes every birth before its evaluation task is queued, and every evaluation
together with its generation's selection in one atomic append. A run killed at any moment
therefore replays to the start of an unfinished generation, whose children the same
per-generation generator breeds again, identically.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from petri.evolve.breed import Candidate
from petri.program.edits import Edit
from petri.runtime.store import Event, NewEvent

RUN_STARTED = "run_started"
LOCALIZED = "localized"
PROGRAM_BORN = "program_born"
EVALUATED = "evaluated"
GENERATION_DONE = "generation_done"
PROMOTED = "promoted"
RUN_FINISHED = "run_finished"


@dataclass(frozen=True)
class Record:
    """What the run keeps of one evaluation: status, objective values and its number."""

    id: str
    status: str
    objectives: dict[str, float]
    passed: int
    failed: int
    duration_s: float
    n: int  # 1 for the first evaluation of the run, 2 for the next, ...

    @property
    def feasible(self) -> bool:
        return self.status == "ok"

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status,
            "objectives": self.objectives,
            "passed": self.passed,
            "failed": self.failed,
            "duration_s": round(self.duration_s, 6),
            "n": self.n,
        }


@dataclass
class RunState:
    """Everything a coordinator needs to continue a run, rebuilt from its events."""

    run_id: str
    config: dict[str, Any] = field(default_factory=dict)
    weights: dict[int, float] | None = None
    objectives: list[dict[str, Any]] = field(default_factory=list)
    test_timeout_s: float | None = None
    born: dict[str, Candidate] = field(default_factory=dict)
    records: dict[str, Record] = field(default_factory=dict)
    generations: list[dict[str, Any]] = field(default_factory=list)
    promoted: dict[str, Any] | None = None
    finished: dict[str, Any] | None = None
    last_seq: int = 0

    @classmethod
    def replay(cls, run_id: str, events: Iterable[Event]) -> RunState:
        state = cls(run_id)
        for event in events:
            state.apply(event)
        return state

    def apply(self, event: Event) -> None:
        """Fold one event into the state (unknown types, e.g. task accounting, are ignored)."""
        self.last_seq = max(self.last_seq, event.seq)
        payload = event.payload
        if event.type == RUN_STARTED:
            self.config = dict(payload)
        elif event.type == LOCALIZED:
            self.weights = {int(k): float(v) for k, v in payload.get("weights", {}).items()}
            self.objectives = list(payload.get("objectives", []))
            timeout = payload.get("test_timeout_s")
            self.test_timeout_s = float(timeout) if timeout else None
        elif event.type == PROGRAM_BORN:
            self.born.setdefault(payload["id"], candidate_from_json(payload))
        elif event.type == EVALUATED:
            self.records.setdefault(payload["id"], record_from_json(payload))
        elif event.type == GENERATION_DONE:
            self.generations.append(dict(payload))
        elif event.type == PROMOTED:
            self.promoted = dict(payload)
        elif event.type == RUN_FINISHED:
            self.finished = dict(payload)

    @property
    def evaluations(self) -> int:
        return len(self.records)

    @property
    def next_generation(self) -> int:
        return int(self.generations[-1]["generation"]) + 1 if self.generations else 0

    def population(self) -> list[str]:
        return list(self.generations[-1]["population"]) if self.generations else []

    def seen_before(self, generation: int) -> set[str]:
        """Ids born in generations before ``generation`` (the breeder's duplicate filter)."""
        return {c.id for c in self.born.values() if c.generation < generation}


def candidate_from_json(data: Mapping[str, Any]) -> Candidate:
    return Candidate(
        id=str(data["id"]),
        edits=tuple(Edit.from_json(e) for e in data.get("edits", [])),
        parents=tuple(str(p) for p in data.get("parents", [])),
        op=str(data.get("op", "")),
        generation=int(data.get("generation", 0)),
        source=str(data.get("source", "")),
    )


def record_from_json(data: Mapping[str, Any]) -> Record:
    return Record(
        id=str(data["id"]),
        status=str(data["status"]),
        objectives={str(k): float(v) for k, v in data.get("objectives", {}).items()},
        passed=int(data.get("passed", 0)),
        failed=int(data.get("failed", 0)),
        duration_s=float(data.get("duration_s", 0.0)),
        n=int(data.get("n", 0)),
    )


def births(run_id: str, candidates: Sequence[Candidate]) -> list[NewEvent]:
    return [NewEvent(run_id, PROGRAM_BORN, c.to_json()) for c in candidates]


def evaluations(run_id: str, records: Sequence[Record]) -> list[NewEvent]:
    return [NewEvent(run_id, EVALUATED, r.to_json()) for r in records]
