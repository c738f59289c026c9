"""Adaptive mutation, catastrophes, genetic rescue and migration."""

from __future__ import annotations

import numpy as np

from petri.ecosystem import dynamics as dyn
from petri.ecosystem.world import Params, World, new_world


def world(n: int = 40, genomes: list[int] | None = None) -> World:
    g = np.array(genomes if genomes is not None else [0] * n)
    return new_world(np.random.default_rng(0), Params(width=8, height=8), 2, g, 2.0)


def test_mutation_boost_rises_while_stalled_and_resets_on_a_new_task() -> None:
    p = dyn.DynamicsParams(stall=2, max_boost=2.0)
    state = dyn.DynamicsState()
    assert dyn.adapt_mutation(state, 1, p) is True
    for _ in range(2):
        assert dyn.adapt_mutation(state, 1, p) is False
    assert state.boost == 1.25
    for _ in range(10):
        dyn.adapt_mutation(state, 1, p)
    assert state.boost == 2.0  # capped
    assert dyn.adapt_mutation(state, 2, p) is True and state.boost == 1.0


def test_a_catastrophe_strikes_one_quarter_when_drawn() -> None:
    never = dyn.DynamicsParams(catastrophe_rate=0.0)
    w = world()
    assert dyn.strike(w, np.random.default_rng(0), never) is None
    always = dyn.DynamicsParams(catastrophe_rate=1.0, extinction_share=1.0)
    kinds = set()
    for seed in range(12):
        w = world()
        before = len(w.organisms)
        kind = dyn.strike(w, np.random.default_rng(seed), always)
        kinds.add(kind)
        if kind == "resource_collapse":
            emptied = (w.resources == 0).all(axis=0).sum()
            assert emptied == 16  # a quarter of 8x8
        else:
            assert kind == "mass_extinction" and len(w.organisms) < before
    assert kinds == {"resource_collapse", "mass_extinction"}


def test_a_population_crash_is_detected_then_recovered() -> None:
    p = dyn.DynamicsParams(peak_window=5)
    state = dyn.DynamicsState()
    assert [dyn.watch_population(state, t, n, p) for t, n in enumerate([100, 100, 100])] == [
        "",
        "",
        "",
    ]
    assert dyn.watch_population(state, 3, 40, p) == "detected"
    assert state.crashed_from == 100
    assert dyn.watch_population(state, 4, 60, p) == ""
    assert dyn.watch_population(state, 5, 85, p) == "recovered"
    assert state.crashed_from == 0


def test_rescue_brings_archived_genomes_back_when_diversity_collapses() -> None:
    p = dyn.DynamicsParams(rescue_below=2, rescue_count=5)
    w = world(genomes=[3, 3, 3])
    state = dyn.DynamicsState(archive=[0, 1])
    assert dyn.rescue(w, state, np.random.default_rng(0), p, 2.0) == 5
    assert len(w.organisms) == 8
    assert set(w.organisms.genome[3:].tolist()) <= {0, 1}
    diverse = world(genomes=[0, 1, 2])
    assert dyn.rescue(diverse, state, np.random.default_rng(0), p, 2.0) == 0


def test_migrants_land_in_another_quarter_on_migration_ticks() -> None:
    p = dyn.DynamicsParams(migrate_every=5, migrate_share=1.0)
    w = world(20)
    before = (w.organisms.x.copy() >= 4, w.organisms.y.copy() >= 4)
    w.tick = 3
    assert dyn.migrate(w, np.random.default_rng(0), p) == 0
    w.tick = 5
    assert dyn.migrate(w, np.random.default_rng(0), p) == 20
    after = (w.organisms.x >= 4, w.organisms.y >= 4)
    moved = (before[0] != after[0]) | (before[1] != after[1])
    assert moved.all()


def test_state_round_trips() -> None:
    state = dyn.DynamicsState(boost=1.5, archive=[1, 2], recent=[5, 6])
    assert dyn.DynamicsState.from_json(state.to_json()) == state
