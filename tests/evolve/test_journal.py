"""The event log of an evolve run: what the journal writes, its reader reads back, typed."""

from __future__ import annotations

import pytest
from judge_double import BUGGY, FakeEvaluator, started

from petri.config import EvolveSettings
from petri.errors import BackendError
from petri.evolve import journal
from petri.evolve.breed import Candidate
from petri.evolve.engine import Engine
from petri.evolve.events import (
    Baseline,
    GenerationDone,
    Promoted,
    Record,
    RunFinished,
)
from petri.evolve.journal import RunState
from petri.evolve.objectives import Objective
from petri.program.edits import Edit
from petri.runtime.store import Event, NewEvent
from petri.runtime.store.memory import MemoryStore
from petri.sandbox.outcome import Status

RUN = "r1"
EDIT = Edit("swap_args", 3, ("a", 2))
PAYLOADS: list[journal.Payload] = [
    started(BUGGY, snapshot="abc", seed=4, evolve=EvolveSettings(seed=4, objectives=["lines"])),
    Baseline(weights={3: 0.5, 12: 1.0}, objectives=(Objective("tests_passed", "max"),)),
    Record("p1", Status.TIMEOUT, {"tests_passed": 2.0}, 2, 3, 0.125, 7),
    Record("p2", Status.FAILED, {"tests_passed": 2.0}, 2, 3, 0.125, 8, behaviour="9f0e"),
    Record("p3", Status.FAILED, {"tests_passed": 0.0}, 0, 5, 0.1, 9, hints=("box",), named=("x",)),
    Record("p4", Status.FAILED, {"tests_passed": 1.0}, 1, 4, 0.1, 10, crashed=(5, 8)),
    GenerationDone(
        generation=2,
        population=["p1", "p2"],
        front=["p1"],
        best="p1",
        best_objectives={"tests_passed": 2.0},
        evaluations=49,
        signature=[[2.0, 1.0]],
        stale=1,
        exhausted=False,
    ),
    Promoted(id="p1", objectives={"tests_passed": 2.0}, status="budget_exhausted"),
    RunFinished(status="unchanged", best="p1", evaluations=49, duration_s=1.5, out="/o"),
]


def replay(*events: NewEvent) -> RunState:
    store = MemoryStore()  # stores payloads as JSON, as every backend does
    store.append_many(events)
    return RunState.replay(RUN, store.replay(RUN))


@pytest.mark.parametrize("payload", PAYLOADS, ids=lambda p: type(p).__name__)
def test_every_payload_reads_back_as_written(payload: journal.Payload) -> None:
    store = MemoryStore()
    store.append_many([journal.event(RUN, payload)])
    (event,) = store.replay(RUN)
    assert event.type == payload.TYPE
    assert journal.read(event) == payload


def test_a_birth_reads_back_as_its_candidate() -> None:
    child = Candidate("c1", (EDIT,), ("p0", "p1"), "crossover", 3, "x = 2\n")
    assert replay(*journal.births(RUN, [child])).born == {"c1": child}


def test_the_state_of_a_run_is_its_events_replayed() -> None:
    store = MemoryStore()
    engine = Engine(RUN, store, FakeEvaluator(), EvolveSettings(seed=2, max_evals=200))
    live = engine.run(started())
    assert RunState.replay(RUN, store.replay(RUN)) == live
    assert live.started == started() and live.promoted is not None
    assert live.objectives == (Objective("tests_passed", "max"), Objective("patch_size", "min"))
    assert live.best == live.promoted.id and live.origin is not None
    assert sorted(r.n for r in live.records.values()) == list(range(1, live.evaluations + 1))


def test_other_events_of_the_run_are_skipped() -> None:
    state = replay(NewEvent(RUN, "task_leased", {"task": "x"}), journal.event(RUN, PAYLOADS[0]))
    assert state.started == PAYLOADS[0] and state.last_seq == 2


@pytest.mark.parametrize(
    ("etype", "payload"),
    [
        ("promoted", {"id": "p1", "objectives": {}, "status": "great"}),
        ("evaluated", {"id": "p1", "status": "ok"}),
        (
            "evaluated",
            {"id": "p1", "status": "ok", "objectives": {}, "passed": 1, "failed": 0}
            | {"duration_s": 0.1, "n": 1, "hints": "box"},  # a name, not a list of them
        ),
        ("run_started", {"judge": "tests", "program": "x.py", "source": "", "colour": "red"}),
        ("program_born", {"id": "p1"}),
    ],
)
def test_a_payload_of_the_wrong_shape_names_its_event(
    etype: str, payload: dict[str, object]
) -> None:
    with pytest.raises(BackendError, match=rf"run r1: event 5 \({etype}\) cannot be read"):
        journal.read(Event(RUN, 5, etype, payload, 0.0))
