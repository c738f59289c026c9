"""One tick of life, as array operations over every organism at once.

In order: fields regrow and diffuse; organisms eat (Michaelis-Menten uptake of food and of the
resources of the tasks their genome performs, shared out when a cell's demand exceeds what it
holds); they pay for their size and instructions; they emit a signal, and producers that sense
a quorum (or all producers, with signals off) pay to make the public good that every organism
in the cell eats; some move one cell up the gradient of what they eat best (chemotaxis); those
with enough energy split in two, the child born by cloning, mutation, gene transfer or
crossover (``Genomes.child``); the starved and the old die.

Every random draw comes from the tick's own generator, in a fixed order, so a tick is a pure
function of the world, the genome table and the seed.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from petri.ecosystem.genomes import VARIANTS, Genomes
from petri.ecosystem.world import Bools, Floats, Ints, Organisms, Params, World, diffuse

#: Offsets of the four neighbours a mover may step to.
_STEPS = np.array([[0, 1], [0, -1], [1, 0], [-1, 0]], dtype=np.int64)


@dataclass(frozen=True)
class TickStats:
    """What happened in one tick."""

    births: int
    deaths: int
    mutants: int
    transfers: int
    crossovers: int
    producing: int
    #: (kind, genome, mate or donor genome) of each gene transfer and crossover
    exchanges: tuple[tuple[str, int, int], ...] = ()


def regrow(world: World) -> None:
    p = world.params
    world.resources += p.regrow * (world.capacity - world.resources)
    world.resources = diffuse(world.resources, p.diffusion)
    world.signal = diffuse(world.signal * (1 - p.signal_decay), p.diffusion)
    world.good = diffuse(world.good * (1 - p.good_decay), p.diffusion)


def _uptake(amount: Floats, cell: Ints, who: Bools | None, p: Params) -> Floats:
    """Michaelis-Menten demand of the organisms in ``who`` (None: everyone) on ``amount`` (a
    flat field, eaten in place), scaled down where a cell's demand exceeds what it holds;
    their intake."""
    at = cell if who is None else cell[who]
    here = amount[at]
    demand = p.vmax * here / (p.km + here)
    total = np.bincount(at, weights=demand, minlength=amount.shape[0])
    share = np.minimum(1.0, amount / np.maximum(total, 1e-12))
    intake = demand * share[at]
    amount -= np.minimum(total, amount)
    if who is None:
        return intake
    out = np.zeros(cell.shape[0])
    out[who] = intake
    return out


def eat(world: World, genomes: Genomes, rewards: Floats) -> Floats:
    """Energy each organism gains from food and from its tasks' resources this tick."""
    p, o = world.params, world.organisms
    cell = world.cell()
    layers = world.resources.reshape(world.resources.shape[0], -1)
    gain = _uptake(layers[0], cell, None, p) * p.food_value
    tasks, _ = genomes.arrays()
    mask = tasks[o.genome] if len(genomes) else np.zeros(len(o), dtype=np.uint32)
    for k in range(rewards.shape[0]):
        who = (mask >> np.uint32(k)) & np.uint32(1) == 1
        if who.any():
            gain += _uptake(layers[k + 1], cell, who, p) * rewards[k] * p.task_value
    return gain


def cost(world: World, genomes: Genomes) -> Floats:
    """What each organism pays this tick for living, its size and its instructions."""
    p, o = world.params, world.organisms
    _, ops = genomes.arrays()
    sizes = genomes.size_array()
    return p.base_cost + p.size_cost * sizes[o.genome] + p.cpu_cost * ops[o.genome]


def share_goods(world: World) -> tuple[Floats, Bools]:
    """Signals and the public good: each organism's intake of the good (less what producing
    cost it), and who produced."""
    p, o = world.params, world.organisms
    cell = world.cell()
    counts = np.bincount(cell, minlength=world.cells).astype(np.float64)
    signal = world.signal.reshape(-1)
    signal += p.emit * counts
    producing = o.producer & (signal[cell] > p.quorum) if p.signals else o.producer.copy()
    good = world.good.reshape(-1)
    good += p.good_yield * np.bincount(cell[producing], minlength=world.cells)
    eaten = good * p.good_take
    good -= eaten
    per_head = eaten / np.maximum(counts, 1.0)
    return per_head[cell] - p.good_cost * producing, producing


def move(world: World, genomes: Genomes, rng: np.random.Generator) -> None:
    """Chemotaxis: a share of organisms step to the neighbour cell richest in what they eat
    best (the task of highest reward they perform, else food); ties broken at random."""
    p, o = world.params, world.organisms
    movers = np.flatnonzero(rng.random(len(o)) < p.move_rate)
    noise = rng.random((movers.shape[0], _STEPS.shape[0])) * 1e-9
    if movers.shape[0] == 0:
        return
    tasks, _ = genomes.arrays()
    layer = _best_layer(tasks[o.genome[movers]])
    nx = (o.x[movers, None] + _STEPS[None, :, 0]) % p.width
    ny = (o.y[movers, None] + _STEPS[None, :, 1]) % p.height
    flat = (layer[:, None] * p.height + ny) * p.width + nx
    values = world.resources.reshape(-1)[flat] + noise
    pick = np.argmax(values, axis=1)
    rows = np.arange(movers.shape[0])
    o.x[movers] = nx[rows, pick]
    o.y[movers] = ny[rows, pick]


def _best_layer(masks: npt.NDArray[np.uint32]) -> Ints:
    """The resource layer of each mask's highest task bit (rewards rise with the bit), or food."""
    layer = np.zeros(masks.shape[0], dtype=np.int64)
    nonzero = masks > 0
    layer[nonzero] = np.floor(np.log2(masks[nonzero].astype(np.float64))).astype(np.int64) + 1
    return layer


def reproduce(
    world: World, genomes: Genomes, rng: np.random.Generator, boost: float = 1.0
) -> tuple[Organisms, TickStats]:
    """Children of every organism with enough energy (which it halves with them); the
    mutation rate times ``boost`` (see ``dynamics.adapt_mutation``)."""
    p, o = world.params, world.organisms
    parents = np.flatnonzero(o.energy >= p.birth_energy)
    n = parents.shape[0]
    roll, draws = rng.random(n), rng.integers(0, VARIANTS, n)
    flips = rng.random(n) < p.trait_flip
    offsets = rng.integers(-1, 2, (n, 2))
    kinds = _kinds(roll, p, boost)
    mates = np.full(n, -1, dtype=np.int64)
    paired = np.flatnonzero(kinds >= 2)
    mates[paired] = _cellmates(world, parents[paired], rng)
    kinds[paired[mates[paired] < 0]] = 0  # alone in its cell: no one to take genes from
    child_genome = o.genome[parents].copy()
    exchanges: list[tuple[str, int, int]] = []
    budget = p.max_new_genomes
    for i in np.flatnonzero(kinds > 0):  # only the births that may make a new genome
        kind = ("mutant", "transfer", "crossover")[kinds[i] - 1]
        g = int(child_genome[i])
        mate = int(o.genome[mates[i]]) if mates[i] >= 0 else g
        known = genomes.known_child(kind, g, mate, int(draws[i]))
        if known is None and budget <= 0:
            kinds[i] = 0  # no novelty left this tick: a clone
            continue
        if known is None:
            budget -= 1
            known = genomes.child(kind, g, mate, int(draws[i]), world.tick)
        child_genome[i] = known
        if kind != "mutant":
            exchanges.append((kind, g, mate))
    o.energy[parents] /= 2
    children = Organisms(
        x=(o.x[parents] + offsets[:, 0]) % p.width,
        y=(o.y[parents] + offsets[:, 1]) % p.height,
        energy=o.energy[parents].copy(),
        age=np.zeros(n, dtype=np.int64),
        genome=child_genome,
        producer=o.producer[parents] ^ flips,
    )
    counts = np.bincount(kinds, minlength=4)
    stats = TickStats(n, 0, int(counts[1]), int(counts[2]), int(counts[3]), 0, tuple(exchanges))
    return children, stats


def _kinds(roll: Floats, p: Params, boost: float) -> Ints:
    """0 clone, 1 mutant, 2 transfer, 3 crossover (the last two need a cellmate)."""
    kinds = np.zeros(roll.shape[0], dtype=np.int64)
    a = min(0.9, p.mutation_rate * boost)
    b = a + p.transfer_rate
    c = b + p.crossover_rate
    kinds[roll < a] = 1
    kinds[(roll >= a) & (roll < b)] = 2
    kinds[(roll >= b) & (roll < c)] = 3
    return kinds


def _cellmates(world: World, parents: Ints, rng: np.random.Generator) -> Ints:
    """For each of ``parents``, another organism of its cell drawn at random, or -1 when it
    is alone there. A grid hash restricted to the parents' cells: only the organisms there
    are sorted by cell, so a tick pays for the few births that exchange genes, not for all."""
    cell = world.cell()
    draw = rng.random(parents.shape[0])
    if parents.shape[0] == 0:
        return np.zeros(0, dtype=np.int64)
    near = np.flatnonzero(np.isin(cell, cell[parents]))
    order = near[np.argsort(cell[near], kind="stable")]
    sorted_cells = cell[order]
    start = np.searchsorted(sorted_cells, cell[parents], side="left")
    end = np.searchsorted(sorted_cells, cell[parents], side="right")
    size = end - start
    pick = start + (draw * np.maximum(size - 1, 1)).astype(np.int64)
    last = np.maximum(end - 1, 0)
    mate = order[np.minimum(pick, last)]
    nxt = order[np.minimum(pick + 1, last)]
    mate = np.where(mate == parents, nxt, mate)  # drew itself: the next one of the cell
    return np.where(size > 1, mate, -1)


def step(
    world: World, genomes: Genomes, rewards: Floats, rng: np.random.Generator, boost: float = 1.0
) -> TickStats:
    """Advance ``world`` by one tick (in place); new genomes are added to ``genomes``
    unjudged (the caller judges them before the next tick)."""
    regrow(world)
    o = world.organisms
    good, producing = share_goods(world)
    o.energy += eat(world, genomes, rewards) + good - cost(world, genomes)
    move(world, genomes, rng)
    children, born = reproduce(world, genomes, rng, boost)
    o.age += 1
    alive = (o.energy > 0) & (o.age <= world.params.max_age)
    deaths = int(len(o) - int(alive.sum()))
    world.organisms = o.keep(alive).extend(children)
    world.tick += 1
    return dataclasses.replace(born, deaths=deaths, producing=int(producing.sum()))
