"""The engine's side of the shadow test: the extra search, the choice it promotes, resume."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from judge_double import BUGGY, FakeEvaluator, judge, started

from petri.config import EvolveSettings
from petri.evolve.alternatives import Steering
from petri.evolve.engine import Engine
from petri.evolve.events import ShadowPatch, ShadowTested
from petri.evolve.journal import RunState
from petri.evolve.shadow import Mode, Patch
from petri.program.edits import Original
from petri.program.identity import program_id
from petri.runtime.store.memory import MemoryStore
from petri.sandbox.outcome import Status


class FakeShadow:
    """Prefers the last patch it is given (the engine's first is what it would promote alone),
    or, in improve mode, the original."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, list[str], Mode]] = []

    def test(
        self, original: Patch, patches: Sequence[Patch], mode: Mode, seed: int
    ) -> ShadowTested:
        self.calls.append((original.id, [p.id for p in patches], mode))
        weighed = [
            ShadowPatch(id=p.id, divergences=len(patches) - i) for i, p in enumerate(patches)
        ]
        chosen = original.id if mode == "improve" else patches[-1].id
        return ShadowTested(
            mode=mode, recorded=5, inputs=9, trusted=4, patches=weighed, chosen=chosen
        )


def run(
    store: MemoryStore, evaluator: Any, tester: FakeShadow, source: str = BUGGY, **settings: Any
) -> RunState:
    engine = Engine("r1", store, evaluator, EvolveSettings(**settings), shadow=tester)
    return engine.run(started(source))


def searched(state: RunState) -> list[int]:
    return sorted(r.n for r in state.records.values() if state.born[r.id].op != "minimize")


def test_after_the_first_repair_a_bounded_share_finds_alternatives() -> None:
    shadow = FakeShadow()
    state = run(MemoryStore(), FakeEvaluator(), shadow, seed=3, max_evals=400)
    first = min(r.n for r in state.records.values() if r.feasible)
    extra = searched(state)[-1] - first
    assert 0 < extra <= 0.25 * 400 + 24  # the last generation may finish past the share
    [(_, patches, mode)] = shadow.calls
    assert mode == "repair" and 1 < len(patches) <= 6 and len(set(patches)) == len(patches)
    assert all(state.records[p].feasible for p in patches)
    assert state.promoted is not None and state.promoted.id == patches[-1]
    assert state.promoted.status == "repaired"
    assert state.shadow is not None and state.shadow.chosen == patches[-1]
    assert judge(state.born[state.promoted.id].source).status is Status.OK


def test_shadow_off_promotes_on_the_tests_alone() -> None:
    shadow = FakeShadow()
    state = run(MemoryStore(), FakeEvaluator(), shadow, seed=1, max_evals=400, shadow=False)
    first = min(r.n for r in state.records.values() if r.feasible)
    assert shadow.calls == [] and state.shadow is None
    assert searched(state)[-1] - first < 24  # the search stopped with the first repair's generation


def test_same_seed_same_alternatives() -> None:
    a, b = FakeShadow(), FakeShadow()
    run(MemoryStore(), FakeEvaluator(), a, seed=2, max_evals=300)
    run(MemoryStore(), FakeEvaluator(), b, seed=2, max_evals=300)
    assert a.calls == b.calls


@pytest.mark.parametrize("share", [0.5, 0.9, 0.99])
def test_resume_gives_the_same_choice(share: float) -> None:
    reference = run(MemoryStore(), FakeEvaluator(), FakeShadow(), seed=5, max_evals=300)
    kill_at = int(share * reference.evaluations)
    store = MemoryStore()
    with pytest.raises(KeyboardInterrupt):
        run(store, FakeEvaluator(fail_after=kill_at), FakeShadow(), seed=5, max_evals=300)
    resumed = run(store, FakeEvaluator(), FakeShadow(), seed=5, max_evals=300)
    assert resumed.promoted == reference.promoted
    assert resumed.shadow == reference.shadow
    again = FakeShadow()
    run(store, FakeEvaluator(), again, seed=5, max_evals=300)
    assert again.calls == []  # a finished run's evidence is read back, not tested again


FIXED_WITH_DEAD_CODE = BUGGY.replace("x < best", "x > best").replace(
    "    return best", "    unused = 0\n    return best"
)


def test_improve_mode_keeps_the_original_when_the_shadow_test_rejects_every_improvement() -> None:
    shadow = FakeShadow()
    settings: dict[str, Any] = {
        "seed": 1,
        "max_evals": 200,
        "objectives": ["tests_passed", "lines"],
    }
    state = run(MemoryStore(), FakeEvaluator(), shadow, FIXED_WITH_DEAD_CODE, **settings)
    [(origin, patches, mode)] = shadow.calls
    assert mode == "improve" and patches and origin not in patches
    assert state.promoted is not None and state.promoted.id == origin
    assert state.promoted.status != "improved"


def test_patience_does_not_cut_the_walk_of_moves_short() -> None:
    # Alternatives pass the same tests at about the same size, so the front rarely moves while
    # they are found; the fixed list of moves (transplants, every one-token edit of the patch's
    # lines) is walked to its end all the same, inside the share.
    state = run(MemoryStore(), FakeEvaluator(), FakeShadow(), seed=3, max_evals=2000, patience=1)
    first = min(r.n for r in state.records.values() if r.feasible)
    extra = searched(state)[-1] - first
    assert 2 * 24 < extra <= 0.25 * 2000 + 24  # more than patience allows, within the share
    original = Original.parse(BUGGY)
    tabu = frozenset(
        e for r in state.records.values() if r.feasible for e in state.born[r.id].edits
    )
    steering = Steering(original, EvolveSettings().operator_names())
    moves = steering.steer(state.weights, tabu, []).moves  # all of them, tried or not
    assert moves  # the patch's line has one-token edits to walk
    new = [
        m
        for m in moves
        if (s := original.apply([m])) is not None and program_id(s) not in state.born
    ]
    assert new == []  # every one was born, or makes a program born already


#: ``largest`` with two slips: it keeps the smallest, and keeps the first item at that.
TWO_SLIPS = BUGGY.replace("best = x\n", "best = xs[0]\n")


def test_a_patch_of_two_needed_edits_is_varied_one_edit_at_a_time() -> None:
    state = run(MemoryStore(), FakeEvaluator(), FakeShadow(), TWO_SLIPS, seed=1, max_evals=2000)
    feasible = [state.born[r.id] for r in state.records.values() if r.feasible]
    assert len(feasible[0].edits) == 2  # the first repair needs both edits
    variants = [c for c in state.born.values() if c.op == "move" and len(c.edits) > 1]
    assert variants
    origin = state.origin
    assert origin is not None and all(v.parents == (origin.id,) for v in variants)
    # Each keeps all but one edit of a plausible patch, and replaces that one.
    for v in variants:
        assert any(
            len(c.edits) == len(v.edits) and len(set(c.edits) & set(v.edits)) == len(v.edits) - 1
            for c in feasible
        )
    # Some variant passes the tests too: another plausible patch for the shadow test.
    assert any(state.records[v.id].feasible for v in variants if v.id in state.records)


@pytest.mark.parametrize("share", [0.85, 0.9, 0.95])  # after the first repair (402 of 641)
def test_a_run_varying_a_patch_resumes_to_the_same_choice(share: float) -> None:
    # Minimizing the patch to vary evaluates programs between generations: a run killed
    # anywhere finds them in its journal and breeds what it would have bred.
    reference = run(MemoryStore(), FakeEvaluator(), FakeShadow(), TWO_SLIPS, seed=0, max_evals=900)
    kill_at = int(share * reference.evaluations)
    store = MemoryStore()
    with pytest.raises(KeyboardInterrupt):
        run(
            store, FakeEvaluator(fail_after=kill_at), FakeShadow(), TWO_SLIPS, seed=0, max_evals=900
        )
    resumed = run(store, FakeEvaluator(), FakeShadow(), TWO_SLIPS, seed=0, max_evals=900)
    assert resumed.promoted == reference.promoted and resumed.shadow == reference.shadow
    assert list(resumed.born) == list(reference.born)


class BreakingShadow(FakeShadow):
    """Sees the engine's first patch answer off an invariant (as ``None`` from a function
    whose tests get a list), and prefers the last patch it is given."""

    def test(
        self, original: Patch, patches: Sequence[Patch], mode: Mode, seed: int
    ) -> ShadowTested:
        tested = super().test(original, patches, mode, seed)
        first = tested.patches[0].model_copy(update={"violations": 1})
        chosen = first.id if len(self.calls) == 1 else tested.chosen
        return tested.model_copy(update={"patches": [first, *tested.patches[1:]], "chosen": chosen})


def test_a_patch_that_breaks_an_invariant_is_shadow_tested_again_with_guards() -> None:
    shadow = BreakingShadow()
    state = run(MemoryStore(), FakeEvaluator(), shadow, seed=3, max_evals=400)
    (_, first, _), (_, second, _) = shadow.calls
    assert second[: len(first)] == first and len(second) > len(first)
    chosen = state.born[first[0]]
    for pid in second[len(first) :]:
        guarded = state.born[pid]
        assert state.records[pid].feasible and guarded.parents == (chosen.id,)
        assert guarded.op == "guard"
        assert guarded.edits[:-1] == chosen.edits and guarded.edits[-1].op == "guard_add"
        assert guarded.source.splitlines()[2].startswith("    if not xs:")  # after the docstring
    assert state.promoted is not None and state.promoted.id == second[-1]
    assert state.shadow is not None and state.shadow.chosen == second[-1]


def test_no_guard_is_tried_where_the_operators_leave_it_out() -> None:
    shadow = BreakingShadow()
    ops = "binop_swap,cmpop_swap,const_replace,name_replace"
    run(MemoryStore(), FakeEvaluator(), shadow, seed=3, max_evals=400, operators=ops)
    assert len(shadow.calls) == 1


def test_a_run_killed_while_guarding_resumes_to_the_same_choice() -> None:
    reference = run(MemoryStore(), FakeEvaluator(), BreakingShadow(), seed=3, max_evals=400)
    last = sorted(reference.records.values(), key=lambda r: r.n)[-3:]
    assert all(reference.born[r.id].op == "guard" for r in last)  # the kill falls among them
    store = MemoryStore()
    with pytest.raises(KeyboardInterrupt):
        run(
            store,
            FakeEvaluator(fail_after=reference.evaluations - 2),
            BreakingShadow(),
            seed=3,
            max_evals=400,
        )
    resumed = run(store, FakeEvaluator(), BreakingShadow(), seed=3, max_evals=400)
    assert resumed.promoted == reference.promoted and resumed.shadow == reference.shadow
    assert list(resumed.born) == list(reference.born)
