"""The engine on an in-memory store with an in-process judge double (trusted test code only).

The real path (queue, workers, sandbox) is covered by test_run.py; here the search itself:
repair, determinism, budgets, resume after an interruption at any point.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import pytest
from judge_double import BUGGY, FakeEvaluator, StreamingEvaluator, judge, started

from petri.config import EvolveSettings
from petri.evolve.engine import Engine, Progress, candidate_timeout
from petri.evolve.evaluator import Job
from petri.evolve.journal import RunState
from petri.evolve.results import Result
from petri.program.edits import Original
from petri.runtime.store.memory import MemoryStore
from petri.sandbox.outcome import Evaluation, Status, TestOutcome, TestResult


def run(store: MemoryStore, evaluator: Any, source: str = BUGGY, **settings: Any) -> RunState:
    engine = Engine("r1", store, evaluator, EvolveSettings(**settings))
    return engine.run(started(source))


def summary(state: RunState) -> tuple[Any, ...]:
    assert state.promoted is not None and state.last_generation is not None
    return (
        state.promoted.id,
        state.promoted.status,
        state.last_generation.front,
        state.evaluations,
        sorted(state.records),
    )


def test_repairs_a_wrong_comparison() -> None:
    state = run(MemoryStore(), FakeEvaluator(), seed=1, max_evals=400)
    assert state.promoted is not None
    assert state.promoted.status == "repaired"
    best = state.born[state.promoted.id]
    assert judge(best.source).status is Status.OK
    original = Original.parse(BUGGY)
    for i in range(len(best.edits)):  # minimized: every edit is needed
        fewer = original.apply([*best.edits[:i], *best.edits[i + 1 :]])
        assert fewer is None or judge(fewer).status is not Status.OK
    fixes = ("x > best", "best < x", "x >= best", "not x < best")
    assert any(fix in best.source for fix in fixes)


def test_same_seed_same_run_and_no_program_judged_twice() -> None:
    first, second = FakeEvaluator(), FakeEvaluator()
    a = run(MemoryStore(), first, seed=3, max_evals=200)
    b = run(MemoryStore(), second, seed=3, max_evals=200)
    assert summary(a) == summary(b)
    assert first.judged == second.judged
    assert len(set(first.judged)) == len(first.judged)


def test_budget_is_respected_when_nothing_repairs() -> None:
    state = run(MemoryStore(), FakeEvaluator(), seed=0, max_evals=30, operators="statements")
    assert state.promoted is not None
    searched = [r for r in state.records.values() if state.born[r.id].op != "minimize"]
    assert len(searched) <= 30
    if state.promoted.status != "repaired":
        assert state.promoted.status == "budget_exhausted"


@pytest.mark.parametrize("share", [0.0, 0.1, 0.3, 0.6, 0.95])
def test_resume_after_an_interruption_gives_the_same_result(share: float) -> None:
    reference = run(MemoryStore(), FakeEvaluator(), seed=5, max_evals=300)
    kill_at = max(1, int(share * reference.evaluations))  # always before the run ends
    assert kill_at < reference.evaluations
    store = MemoryStore()
    with pytest.raises(KeyboardInterrupt):
        run(store, FakeEvaluator(fail_after=kill_at), seed=5, max_evals=300)
    resumed = run(store, FakeEvaluator(), seed=5, max_evals=300)
    assert summary(resumed) == summary(reference)
    events = [e.type for e in store.read("r1")]
    assert events.count("evaluated") == reference.evaluations  # none lost, none counted twice


def test_progress_is_reported_per_generation() -> None:
    seen: list[Progress] = []
    store = MemoryStore()
    engine = Engine("r1", store, FakeEvaluator(), EvolveSettings(seed=1), progress=seen.append)
    engine.run(started())
    assert seen[0].generation == 0 and seen[0].evaluations == 1
    assert [p.evaluations for p in seen] == sorted(p.evaluations for p in seen)


def test_a_finished_run_is_not_run_again() -> None:
    store = MemoryStore()
    first = run(store, FakeEvaluator(), seed=1, max_evals=200)
    evaluator = FakeEvaluator()
    again = run(store, evaluator, seed=1, max_evals=200)
    assert evaluator.calls == 0
    assert again.promoted == first.promoted


def test_candidates_get_a_timeout_scaled_to_the_original() -> None:
    def tests(*rows: tuple[str, float]) -> Evaluation:
        results = (TestResult(f"t{i}", TestOutcome(o), d) for i, (o, d) in enumerate(rows))
        return Evaluation(Status.FAILED, tuple(results))

    assert candidate_timeout(tests(("passed", 0.01), ("timeout", 5.0))) == 0.25
    assert candidate_timeout(tests(("passed", 0.2), ("passed", 0.05))) == 2.1
    assert candidate_timeout(tests(("failed", 0.2))) == 2.1  # it finished: scale from it
    assert candidate_timeout(tests()) is None


def test_time_limit_stops_the_run() -> None:
    ticks = iter(range(10_000))
    engine = Engine(
        "r1",
        MemoryStore(),
        FakeEvaluator(),
        EvolveSettings(seed=0, time_limit_s=3, operators="statements"),
        clock=lambda: float(next(ticks)),
    )
    state = engine.run(started())
    assert state.promoted is not None
    assert engine.stopped_by_time
    assert len(state.generations) <= 3  # the clock moves one second per look
    assert state.promoted.status == "budget_exhausted"
    assert state.evaluations < EvolveSettings().max_evals


def test_a_run_that_stops_improving_stops_after_its_patience() -> None:
    correct = BUGGY.replace("x < best", "x > best")
    state = run(MemoryStore(), FakeEvaluator(), correct, seed=1, max_evals=2000, patience=3)
    assert state.promoted is not None
    assert state.promoted.status == "unchanged"
    # Nothing beats the original (every test, no edit): the front never changes, so the run
    # ends after the baseline and patience + 1 generations, far inside its budget.
    assert [g.stale for g in state.generations] == [0, 1, 2, 3]
    assert state.generations[-1].front == [state.promoted.id]
    assert state.evaluations <= 1 + 4 * EvolveSettings().offspring


def test_children_queued_as_bred_give_the_same_run() -> None:
    store = MemoryStore()
    streaming = StreamingEvaluator(born=lambda pid: any(
        e.type == "program_born" and e.payload.get("id") == pid for e in store.replay("r1")
    ))  # fmt: skip
    batch = run(MemoryStore(), FakeEvaluator(), seed=3, max_evals=200)
    streamed = run(store, streaming, seed=3, max_evals=200)
    assert summary(streamed) == summary(batch)
    assert streaming.submitted and not streaming.unborn  # each birth recorded before its task


@pytest.mark.parametrize("share", [0.0, 0.5, 0.9])
def test_a_run_killed_while_breeding_resumes_to_the_same_result(share: float) -> None:
    bred = StreamingEvaluator()
    reference = run(MemoryStore(), bred, seed=5, max_evals=300)
    kill_at = 1 + int(share * (len(bred.submitted) - 2))
    store = MemoryStore()
    with pytest.raises(KeyboardInterrupt):
        run(store, StreamingEvaluator(kill_at_submit=kill_at), seed=5, max_evals=300)
    resumed = run(store, StreamingEvaluator(), seed=5, max_evals=300)
    assert summary(resumed) == summary(reference)


class CrashingEvaluator(FakeEvaluator):
    """The double, with each failing test reporting the crash ``message`` (as the sandbox's
    judge does for a test that raised)."""

    def __init__(self, message: str, **options: Any) -> None:
        super().__init__(**options)
        self.message = message

    def evaluate(self, jobs: Sequence[Job], deadline: float | None) -> dict[str, Result]:
        out = super().evaluate(jobs, deadline)
        return {pid: Result(self._crashed(r.evaluation)) for pid, r in out.items()}

    def _crashed(self, evaluation: Evaluation) -> Evaluation:
        tests = tuple(
            t if t.outcome is TestOutcome.PASSED else replace(t, message=self.message)
            for t in evaluation.tests
        )
        return replace(evaluation, tests=tests)


BY_INDEX = """def largest(xs):
    best = xs[0]
    for i in range(len(xs)):
        if xs[i] < best:
            best = xs[i]
    return best
"""


def origin_hints(state: RunState) -> tuple[str, ...]:
    assert state.origin is not None
    return state.records[state.origin.id].hints


def index_drops(state: RunState) -> int:
    """How many of the programs born in the run hold an ``index_drop``."""
    return sum(any(e.op == "index_drop" for e in c.edits) for c in state.born.values())


def killed_and_resumed(message: str, source: str, options: dict[str, Any]) -> RunState:
    """A run whose tests crash with ``message``, killed at its 40th evaluation, resumed."""
    store = MemoryStore()
    with pytest.raises(KeyboardInterrupt):
        run(store, CrashingEvaluator(message, fail_after=40), source, **options)
    return run(store, CrashingEvaluator(message), source, **options)


def test_crash_hints_weight_the_draws_of_a_parents_children_and_survive_a_resume() -> None:
    subscript = "TypeError: 'int' object is not subscriptable"
    source = BY_INDEX  # neither operator repairs it: both runs spend the whole budget
    options: dict[str, Any] = {"seed": 2, "max_evals": 120, "operators": "index_drop,call_wrap"}
    plain = run(MemoryStore(), FakeEvaluator(), source, **options)
    hinted = run(MemoryStore(), CrashingEvaluator(subscript), source, **options)
    assert origin_hints(plain) == ()
    assert origin_hints(hinted) == ("index_drop", "name_replace")
    # Both operators apply at ``xs[i]`` and both are thinned in the mix; the hint gives
    # index_drop (``xs[i]`` -> ``xs``) its full turn: 40 programs hold one, against 25.
    assert index_drops(hinted) > index_drops(plain)
    # The programs judged before the kill are not judged again: their hints come from the log.
    resumed = killed_and_resumed(subscript, source, options)
    assert origin_hints(resumed) == origin_hints(hinted)
    assert summary(resumed) == summary(hinted)


#: ``BY_INDEX`` comparing with ``bset``, bound nowhere.
MISSPELT = BY_INDEX.replace("< best:", "< bset:")


def test_a_crash_that_names_a_name_focuses_the_children_on_its_reads_and_survives_a_resume() -> (
    None
):
    unbound = "NameError: name 'bset' is not defined"
    options: dict[str, Any] = {"seed": 2, "max_evals": 120}
    # A NameError on a name the original binds is a child's doing: no focus.
    bound = run(
        MemoryStore(), CrashingEvaluator(unbound.replace("bset", "best")), MISSPELT, **options
    )
    named = run(MemoryStore(), CrashingEvaluator(unbound), MISSPELT, **options)
    assert named.origin is not None and named.records[named.origin.id].named == ("bset",)
    original = Original.parse(MISSPELT)
    reads = {s.index for s in original.sites if original.module.code_for_node(s.node) == "bset"}

    def renamed(state: RunState) -> int:
        """The programs born with the read of ``bset`` renamed."""
        return sum(
            any(e.op == "name_replace" and e.site in reads for e in c.edits)
            for c in state.born.values()
        )

    assert renamed(named) > renamed(bound)
    resumed = killed_and_resumed(unbound, MISSPELT, options)
    assert summary(resumed) == summary(named)
