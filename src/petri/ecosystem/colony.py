"""A colony's tick beyond the world's own: dynamics, judging, species, network and measures.

``advance`` runs one tick of ``life.step`` and then everything that reads or steers the
population as a whole, and returns the events of that tick (as ``(type, payload)`` pairs) for
the run to record. It is deterministic: the tick's generator is derived from the seed and the
tick alone, so a colony restored from a snapshot goes on exactly as the original did.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict
from typing import Any

import numpy as np

from petri.ecosystem import dynamics as dyn
from petri.ecosystem.environments import Environment
from petri.ecosystem.judge import Judge
from petri.ecosystem.life import TickStats, step
from petri.ecosystem.snapshot import Colony
from petri.ecosystem.world import Ints

Events = list[tuple[str, dict[str, Any]]]


def tick_rng(seed: int, tick: int) -> np.random.Generator:
    """The generator of one tick: every draw of that tick, and only of it."""
    return np.random.default_rng([seed, tick])


def alive_tasks(colony: Colony) -> int:
    """The task mask of everything the living population performs."""
    genomes = colony.world.organisms.genome
    if genomes.shape[0] == 0:
        return 0
    tasks, _ = colony.genomes.arrays()
    return int(np.bitwise_or.reduce(tasks[np.unique(genomes)]))


def species_alive(colony: Colony) -> Counter[int]:
    """Organisms per living species."""
    table = np.asarray(colony.species_of, dtype=np.int64)
    counts = np.bincount(table[colony.world.organisms.genome]) if len(table) else np.zeros(0)
    return Counter({int(s): int(n) for s, n in enumerate(counts) if n})


def name_new(colony: Colony) -> None:
    """Give every genome born since the last call its species (no judgement needed)."""
    table = colony.genomes
    for g in range(len(colony.species_of), len(table)):
        colony.species_of.append(colony.species.assign(table.ids[g], table.sources[g]))


def receive(colony: Colony, judge: Judge) -> int:
    """Wait for the genomes sent to the judge a tick ago; archive each that is the first to
    perform a task (genetic rescue brings them back). The number received."""
    table = colony.genomes
    waiting = sorted(table.in_flight)
    received = table.receive(colony.in_flight, judge) if colony.in_flight else 0
    colony.in_flight = None
    archived = 0
    for g in colony.dynamics.archive:
        found = table.phenotypes[g]
        archived |= found.tasks if found else 0
    for g in waiting:
        phenotype = table.phenotypes[g]
        if phenotype is not None and phenotype.tasks & ~archived:
            colony.dynamics.archive.append(g)
            archived |= phenotype.tasks
    return received


def send(colony: Colony, judge: Judge) -> None:
    """Send the genomes not judged yet; their answers are received at the end of the next
    tick, so a genome born at tick t performs its tasks from tick t + 2 (in every run alike)."""
    colony.in_flight = colony.genomes.send(judge)


def advance(
    colony: Colony, env: Environment, judge: Judge, seed: int, p: dyn.DynamicsParams
) -> Events:
    """One tick of ``colony``; the events it gives."""
    world, state = colony.world, colony.dynamics
    before = set(species_alive(colony))
    rng = tick_rng(seed, world.tick + 1)
    stats = step(world, colony.genomes, np.asarray(env.rewards), rng, state.boost)
    events: Events = []
    struck = dyn.strike(world, rng, p)
    if struck:
        events.append(("catastrophe", {"tick": world.tick, "kind": struck, "phase": "struck"}))
    migrated = dyn.migrate(world, rng, p)
    judged = receive(colony, judge)  # judged while this tick ran
    name_new(colony)
    send(colony, judge)  # judged while the next tick runs
    rescued = dyn.rescue(world, state, rng, p, world.params.birth_energy / 2)
    if rescued:
        events.append(("rescue", {"tick": world.tick, "organisms": rescued}))
    mask = alive_tasks(colony)
    new_task = dyn.adapt_mutation(state, bin(mask).count("1"), p)
    watched = dyn.watch_population(state, world.tick, len(world.organisms), p)
    if watched:
        phase = {"tick": world.tick, "kind": "population_crash", "phase": watched}
        events.append(("catastrophe", {**phase, "peak": state.crashed_from or None}))
    _exchanges(colony, stats)
    after = species_alive(colony)
    events += _species_events(world.tick, before, set(after))
    counts = {"species": len(after), "judged": judged, "migrated": migrated}
    record = _tick_record(colony, stats, mask, counts, new_task)
    return [("tick", record), *events]


def _exchanges(colony: Colony, stats: TickStats) -> None:
    """Gene transfers and crossovers as edges between the species involved."""
    sp = colony.species_of
    for _, g, d in stats.exchanges:
        if g < len(sp) and d < len(sp):
            colony.network.add("gene_transfer", sp[g], sp[d])


def _species_events(tick: int, before: set[int], after: set[int]) -> Events:
    events: Events = []
    born, gone = sorted(after - before), sorted(before - after)
    if born:
        events.append(("species_born", {"tick": tick, "species": born}))
    if gone:
        events.append(("species_extinct", {"tick": tick, "species": gone}))
    return events


def _tick_record(
    colony: Colony, stats: TickStats, mask: int, counts: dict[str, int], new_task: bool
) -> dict[str, Any]:
    world = colony.world
    o = world.organisms
    judged = counts["judged"]
    colony.counters["genomes_judged"] = colony.counters.get("genomes_judged", 0) + judged
    record: dict[str, Any] = {k: v for k, v in asdict(stats).items() if k != "exchanges"}
    record.update(counts)
    record.update(
        tick=world.tick,
        population=len(o),
        tasks=bin(mask).count("1"),
        task_mask=mask,
        genomes=len(colony.genomes),
        producers=int(o.producer.sum()),
        mutation_boost=round(colony.dynamics.boost, 4),
        new_task=new_task,
        energy=round(float(o.energy.mean()), 4) if len(o) else 0.0,
    )
    return record


def measure(colony: Colony, complexity_of: Ints) -> dict[str, Any]:
    """Open-endedness measures (MODES) over species, plus competition and public-good links
    between species that share cells; the payload of a ``measures`` event, with the network's
    bounded view (``Interactions.record``) so that reports need no snapshot."""
    alive = species_alive(colony)
    world = colony.world
    sp = np.asarray(colony.species_of, dtype=np.int64)[world.organisms.genome]
    complexity: dict[str, float] = {}
    tasks = complexity_of[world.organisms.genome]
    for s in alive:
        complexity[str(s)] = float(tasks[sp == s].max())
    measures = colony.modes.record(
        world.tick, {str(s): n for s, n in alive.items()}, complexity
    ).to_dict()
    _links(colony, sp)
    return {"tick": world.tick, **measures, "network": colony.network.record(alive)}


def _links(colony: Colony, species: Ints) -> None:
    """Competition between species sharing a cell; public good from producers' species to
    the others in their cell (each pair once per measurement, weighted by shared cells)."""
    cell = colony.world.cell()
    pairs = np.unique(np.stack([cell, species]), axis=1)
    by_cell: dict[int, list[int]] = {}
    for c, s in pairs.T.tolist():
        by_cell.setdefault(c, []).append(s)
    shared: Counter[tuple[int, int]] = Counter()
    for members in by_cell.values():
        for i, a in enumerate(members):
            for b in members[i + 1 : i + 4]:  # bounded: a crowded cell adds a few links
                shared[(a, b)] += 1
    for (a, b), n in sorted(shared.items()):
        colony.network.add("competition", a, b, float(n))
    producers = colony.world.organisms.producer
    for c, s in np.unique(np.stack([cell[producers], species[producers]]), axis=1).T.tolist():
        for other in by_cell.get(c, [])[:3]:
            if other != s:
                colony.network.add("public_good", s, other)
