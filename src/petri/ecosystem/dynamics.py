"""Dynamics over many ticks: adaptive mutation, catastrophes, genetic rescue and migration.

- **Adaptive mutation**: when the population has found no new task for ``stall`` ticks, the
  mutation rate rises by a quarter (up to ``max_boost`` times the base); a new task resets it.
  Stuck populations search harder; thriving ones keep what works.
- **Catastrophes** strike at random (``catastrophe_rate`` per tick): a resource collapse
  empties one quarter of the world, or a mass extinction kills most organisms there. Any fall
  of the population below half of its recent peak is *detected* as a catastrophe (whatever
  caused it) and *recovered* once it is back to 80% of that peak.
- **Genetic rescue**: when fewer than ``rescue_below`` distinct genomes are alive, organisms
  carrying archived genomes (the founders and every genome that was the first to perform a
  task) are brought back at random places.
- **Migration**: every ``migrate_every`` ticks a share of organisms moves to a random cell of
  another quarter of the world, linking regions that would otherwise evolve apart.

Everything draws from the tick's generator after ``life.step``, in a fixed order, and its state
is plain data kept in snapshots.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from petri.ecosystem.world import Organisms, World


@dataclass(frozen=True)
class DynamicsParams:
    stall: int = 50
    max_boost: float = 4.0
    catastrophe_rate: float = 0.002
    extinction_share: float = 0.9
    peak_window: int = 50
    rescue_below: int = 3
    rescue_count: int = 20
    migrate_every: int = 25
    migrate_share: float = 0.01


@dataclass
class DynamicsState:
    """What the dynamics remember between ticks (kept in snapshots)."""

    boost: float = 1.0
    best_tasks: int = 0
    since_new_task: int = 0
    recent: list[int] = field(default_factory=list)  # population of the last ticks
    crashed_from: int = 0  # the peak a detected catastrophe fell from; 0 when none
    crashed_at: int = 0
    archive: list[int] = field(default_factory=list)  # genome indices

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DynamicsState:
        return cls(**data)


def adapt_mutation(state: DynamicsState, distinct_tasks: int, p: DynamicsParams) -> bool:
    """Update the mutation boost; True when the population performs more tasks than ever."""
    if distinct_tasks > state.best_tasks:
        state.best_tasks, state.since_new_task, state.boost = distinct_tasks, 0, 1.0
        return True
    state.since_new_task += 1
    if state.since_new_task % p.stall == 0:
        state.boost = min(p.max_boost, state.boost * 1.25)
    return False


def strike(world: World, rng: np.random.Generator, p: DynamicsParams) -> str | None:
    """A random catastrophe in one quarter of the world, or None (one draw either way)."""
    roll, which, quarter = rng.random(), rng.random(), int(rng.integers(0, 4))
    if roll >= p.catastrophe_rate:
        return None
    o, wp = world.organisms, world.params
    in_x = (o.x >= wp.width // 2) == bool(quarter & 1)
    in_y = (o.y >= wp.height // 2) == bool(quarter & 2)
    xs = slice(wp.width // 2, None) if quarter & 1 else slice(0, wp.width // 2)
    ys = slice(wp.height // 2, None) if quarter & 2 else slice(0, wp.height // 2)
    if which < 0.5:
        world.resources[:, ys, xs] = 0.0
        return "resource_collapse"
    doomed = in_x & in_y & (rng.random(len(o)) < p.extinction_share)
    world.organisms = o.keep(~doomed)
    return "mass_extinction"


def watch_population(state: DynamicsState, tick: int, population: int, p: DynamicsParams) -> str:
    """'detected' when the population fell below half its recent peak, 'recovered' when it is
    back to 80% of it, else ''."""
    state.recent = [*state.recent[-(p.peak_window - 1) :], population]
    peak = max(state.recent)
    if not state.crashed_from and population < peak / 2:
        state.crashed_from, state.crashed_at = peak, tick
        state.recent = [population]
        return "detected"
    if state.crashed_from and population >= 0.8 * state.crashed_from:
        state.crashed_from = 0
        return "recovered"
    return ""


def rescue(
    world: World, state: DynamicsState, rng: np.random.Generator, p: DynamicsParams, energy: float
) -> int:
    """Bring archived genomes back when diversity collapsed; how many organisms came."""
    o, wp = world.organisms, world.params
    distinct = np.unique(o.genome).shape[0]
    if distinct >= p.rescue_below or not state.archive:
        return 0
    n = p.rescue_count
    genomes = np.array(state.archive, dtype=np.int64)[rng.integers(0, len(state.archive), n)]
    newcomers = Organisms(
        x=rng.integers(0, wp.width, n),
        y=rng.integers(0, wp.height, n),
        energy=np.full(n, energy),
        age=np.zeros(n, dtype=np.int64),
        genome=genomes,
        producer=rng.random(n) < 0.25,
    )
    world.organisms = o.extend(newcomers)
    return n


def migrate(world: World, rng: np.random.Generator, p: DynamicsParams) -> int:
    """Every ``migrate_every`` ticks, move a share of organisms to another quarter."""
    if world.tick % p.migrate_every:
        return 0
    o, wp = world.organisms, world.params
    movers = np.flatnonzero(rng.random(len(o)) < p.migrate_share)
    half_w, half_h = max(1, wp.width // 2), max(1, wp.height // 2)
    jump = rng.integers(1, 4, movers.shape[0])  # another quarter: 1, 2 or 3 quarters on
    o.x[movers] = (o.x[movers] + half_w * (jump & 1)) % wp.width
    o.y[movers] = (o.y[movers] + half_h * ((jump >> 1) & 1)) % wp.height
    return int(movers.shape[0])
