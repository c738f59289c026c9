"""An evolve run's event log: the one writer of its events and the one reader of them.

The run's state is the projection of its events (resume = replay). The coordinator writes
every birth before its evaluation task is queued, and every evaluation together with its
generation's selection in one atomic append. A run killed at any moment therefore replays to
the start of an unfinished generation, whose children the same per-generation generator breeds
again, identically.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

from petri.errors import BackendError
from petri.evolve.breed import Candidate
from petri.evolve.events import (
    PROGRAM_BORN,
    Baseline,
    GenerationDone,
    Promoted,
    Record,
    RunFinished,
    RunStarted,
    ShadowTested,
)
from petri.evolve.objectives import Objective
from petri.runtime.store import Event, NewEvent


class Payload(Protocol):
    """An event payload of ``petri.evolve.events``."""

    TYPE: ClassVar[str]

    def to_json(self) -> dict[str, Any]: ...


def event(run_id: str, payload: Payload) -> NewEvent:
    return NewEvent(run_id, payload.TYPE, payload.to_json())


def births(run_id: str, candidates: Sequence[Candidate]) -> list[NewEvent]:
    return [NewEvent(run_id, PROGRAM_BORN, c.to_json()) for c in candidates]


def evaluations(run_id: str, records: Sequence[Record]) -> list[NewEvent]:
    return [event(run_id, r) for r in records]


_READERS: dict[str, Callable[[Mapping[str, Any]], object]] = {
    PROGRAM_BORN: Candidate.from_json,
    **{
        kind.TYPE: kind.from_json
        for kind in (
            RunStarted,
            Baseline,
            Record,
            GenerationDone,
            ShadowTested,
            Promoted,
            RunFinished,
        )
    },
}


def read(event: Event) -> object | None:
    """The typed payload of one of evolve's events; None for any other type (e.g. a worker's
    task accounting). Raises ``BackendError`` for a payload that is not of its type's shape."""
    reader = _READERS.get(event.type)
    if reader is None:
        return None
    try:
        return reader(event.payload)
    except (KeyError, TypeError, ValueError) as exc:  # pydantic's ValidationError included
        problem = str(exc).splitlines()[0]
        raise BackendError(
            f"run {event.run_id}: event {event.seq} ({event.type}) cannot be read ({problem}); "
            "read the run with the petri version that wrote it"
        ) from exc


@dataclass
class RunState:
    """Everything a coordinator, ``status`` and ``report`` need of a run, rebuilt from its
    events."""

    run_id: str
    started: RunStarted | None = None
    baseline: Baseline | None = None
    born: dict[str, Candidate] = field(default_factory=dict)
    records: dict[str, Record] = field(default_factory=dict)
    generations: list[GenerationDone] = field(default_factory=list)
    shadow: ShadowTested | None = None
    promoted: Promoted | None = None
    finished: RunFinished | None = None
    last_seq: int = 0
    started_at: float = 0.0  # time of the first event
    last_at: float = 0.0  # time of the latest event
    #: The run's evaluations when ``records`` holds only some of them (the dashboard's index
    #: loads what a page shows); 0 for a state replayed from every event.
    known_evaluations: int = 0

    @classmethod
    def replay(cls, run_id: str, events: Iterable[Event]) -> RunState:
        state = cls(run_id)
        for e in events:
            state.apply(e)
        return state

    def apply(self, event: Event) -> None:
        """Fold one event into the state (other types than evolve's are ignored)."""
        self.last_seq = max(self.last_seq, event.seq)
        self.started_at = self.started_at or event.time
        self.last_at = max(self.last_at, event.time)
        payload = read(event)
        if isinstance(payload, Candidate):
            self.born.setdefault(payload.id, payload)
        elif isinstance(payload, Record):
            self.records.setdefault(payload.id, payload)
        elif isinstance(payload, GenerationDone):
            self.generations.append(payload)
        elif isinstance(payload, RunStarted):
            self.started = payload
        elif isinstance(payload, Baseline):
            self.baseline = payload
        elif isinstance(payload, ShadowTested):
            self.shadow = payload
        elif isinstance(payload, Promoted):
            self.promoted = payload
        elif isinstance(payload, RunFinished):
            self.finished = payload

    @property
    def objectives(self) -> tuple[Objective, ...]:
        """The run's objectives, fixed by its baseline (none before it)."""
        return self.baseline.objectives if self.baseline is not None else ()

    @property
    def weights(self) -> dict[int, float]:
        """Line -> suspiciousness from the baseline (empty without localization)."""
        return self.baseline.weights if self.baseline is not None else {}

    @property
    def test_timeout_s(self) -> float | None:
        return self.baseline.test_timeout_s if self.baseline is not None else None

    @property
    def evaluations(self) -> int:
        return max(len(self.records), self.known_evaluations)

    @property
    def last_generation(self) -> GenerationDone | None:
        return self.generations[-1] if self.generations else None

    @property
    def next_generation(self) -> int:
        last = self.last_generation
        return last.generation + 1 if last is not None else 0

    def population(self) -> list[str]:
        last = self.last_generation
        return list(last.population) if last is not None else []

    def seen_before(self, generation: int) -> set[str]:
        """Ids born in generations before ``generation`` (the breeder's duplicate filter)."""
        return {c.id for c in self.born.values() if c.generation < generation}

    @property
    def origin(self) -> Candidate | None:
        """The original program, once born."""
        return next((c for c in self.born.values() if c.op == "original"), None)

    @property
    def best(self) -> str | None:
        """The promoted program, else the best so far, else the original (None before it)."""
        if self.promoted is not None:
            return self.promoted.id
        last = self.last_generation
        if last is not None:
            return last.best
        origin = self.origin
        return origin.id if origin is not None else None
