"""Ecosystem: how fast the world ticks, what an organism costs, and what evolves.

Measured in one run:

* ticks/s of the world (``life.step``'s array work: fields, metabolism, signals, movement,
  reproduction, death; what the numpy prototype of the goal did) at about 10,000 and 100,000
  organisms (goal: >= 30 at 100,000 organisms on 2 cores), then with the tick's new genomes
  made (evolve's operators on libcst, at most 8 a tick), and whole ticks: the new genomes are
  judged in the sandbox while the next tick runs, as in a run.
  A population booms and busts, so each tick is timed on its own and only ticks that start
  with a population within 20% of the target count (up to 40 of them); their mean population
  is reported beside the rate.
* bytes of world state per organism (goal: <= 200; genomes are shared in the table).
* distinct genomes judged per second through the sandbox (mutants of the corpus), with 1 and
  2 workers.
* the same world with one Python object per organism (the agent-per-object style of agent-based
  modelling frameworks) at 10,000 organisms, against the array world on the same population
  and the same rules: the ratio of their tick rates.
* neighbour queries: a cellmate for 1,000 parents among 100,000 organisms with petri's grid hash
  (sort by cell) and with scipy's cKDTree (build and query), and one diffusion step of the
  fields with ``scipy.ndimage.convolve`` (what the world uses) against four ``np.roll``.
* evolution: distinct logic tasks performed over a 600-tick run of a 48x48 world from the
  bundled corpus (whose founders perform none), and cooperation: the share of public-good
  producers with quorum sensing against a control run with signals off (same seed).

Prints a table and writes bench/results/ecosystem.json.

Usage: python bench/ecosystem.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from scipy.spatial import cKDTree

from petri.config import SandboxSettings
from petri.ecosystem import life
from petri.ecosystem.corpus import bundled_corpus, read_corpus
from petri.ecosystem.environments import LOGIC
from petri.ecosystem.genomes import VARIANTS, Genomes, founders_table
from petri.ecosystem.judge import Judge
from petri.ecosystem.world import Params, World, diffuse, new_world

RESULTS = Path(__file__).resolve().parent / "results" / "ecosystem.json"
GOAL_TICKS_PER_S = 30.0
GOAL_BYTES = 200
PER_CELL = 5.5  # organisms per cell once tasks evolved (after ~200 ticks; it swings before)
REWARDS = np.asarray(LOGIC.rewards)


def sized_world(n: int, table: Genomes, seed: int, params: Params | None = None) -> World:
    side = max(8, round((n / PER_CELL) ** 0.5))
    p = replace(params or Params(), width=side, height=side)
    rng = np.random.default_rng(seed)
    genomes = rng.integers(0, len(table), size=n)
    return new_world(rng, p, len(LOGIC.tasks) + 1, genomes, p.birth_energy / 2)


def tick_rate(n: int, table: Genomes, judge: Judge, want: int, most: int) -> dict[str, Any]:
    """Ticks/s while the population is within 20% of ``n``: the world's population swings
    (booms and busts), so each tick is timed on its own and those that start in the band
    count, until ``want`` of them or ``most`` ticks."""
    world = sized_world(n, table, 1)
    step_s = whole_s = make_s = 0.0
    population, judged, ticks = [], 0, 0
    batch = None
    for t in range(most):
        alive = len(world.organisms)
        rng = np.random.default_rng([1, t])
        made = table.making_s
        start = time.perf_counter()
        life.step(world, table, REWARDS, rng)
        middle = time.perf_counter()
        new = table.receive(batch, judge) if batch is not None else 0  # judged meanwhile
        batch = table.send(judge)  # judged while the next tick runs, as a run does
        end = time.perf_counter()
        if abs(alive - n) <= 0.2 * n:
            making = table.making_s - made
            step_s += middle - start - making
            make_s += making
            whole_s += end - start
            population.append(alive)
            judged += new
            ticks += 1
            if ticks >= want:
                break
    if not ticks:
        return {"target": n, "ticks": 0}
    return {
        "target": n,
        "world": f"{world.params.width}x{world.params.height}",
        "mean_population": round(float(np.mean(population))),
        "ticks": ticks,
        "world_ticks_per_s": round(ticks / step_s, 1),
        "ticks_per_s_with_new_genomes": round(ticks / (step_s + make_s), 1),
        "ticks_per_s_whole": round(ticks / whole_s, 1),
        "new_genomes_per_tick": round(judged / ticks, 1),
    }


def bytes_per_organism(table: Genomes) -> float:
    world = sized_world(100_000, table, 2)
    total = sum(a.nbytes for a in world.organisms.arrays().values())
    return total / len(world.organisms)


def judge_rate(founders: list[str], workers: int, n: int) -> dict[str, Any]:
    table = founders_table(founders)
    for g in range(len(founders)):
        for j in range(VARIANTS):
            table.child("mutant", g, g, j, 0)
    todo = table.pending()[len(founders) :][:n]
    sources = {table.ids[i]: table.sources[i] for i in todo}
    with (
        tempfile.TemporaryDirectory() as tmp,
        Judge(Path(tmp), LOGIC, SandboxSettings(), workers) as judge,
    ):
        judge.judge_many(dict(list(sources.items())[:4]))  # warm the workers
        start = time.perf_counter()
        judge.judge_many(sources)
        seconds = time.perf_counter() - start
    return {"workers": workers, "genomes": len(sources), "per_s": round(len(sources) / seconds, 1)}


class Agent:
    """One organism as an object, as agent-per-object frameworks keep them."""

    __slots__ = ("age", "energy", "genome", "x", "y")

    def __init__(self, x: int, y: int, energy: float, genome: int) -> None:
        self.x, self.y, self.energy, self.genome, self.age = x, y, energy, genome, 0


def object_tick(
    agents: list[Agent], world: World, table: Genomes, rng: random.Random
) -> list[Agent]:
    """The array world's rules (clone births only), one agent at a time."""
    p = world.params
    life.regrow(world)
    res = world.resources
    tasks, ops = table.arrays()
    sizes = table.size_array()
    steps = life._STEPS.tolist()
    born: list[Agent] = []
    for a in agents:
        mask = int(tasks[a.genome])
        gain = 0.0
        for layer in range(res.shape[0]):
            if layer and not (mask >> (layer - 1)) & 1:
                continue
            here = res[layer, a.y, a.x]
            take = min(here, p.vmax * here / (p.km + here))
            res[layer, a.y, a.x] = here - take
            gain += take * (p.food_value if layer == 0 else REWARDS[layer - 1] * p.task_value)
        paid = p.base_cost + p.size_cost * sizes[a.genome] + p.cpu_cost * ops[a.genome]
        a.energy += gain - paid
        if rng.random() < p.move_rate:
            layer = mask.bit_length()  # the richest task's layer, or food
            cells = [((a.x + dx) % p.width, (a.y + dy) % p.height) for dx, dy in steps]
            a.x, a.y = max(cells, key=lambda xy: res[layer, xy[1], xy[0]])
        if a.energy >= p.birth_energy:
            a.energy /= 2
            born.append(Agent(a.x, a.y, a.energy, a.genome))
        a.age += 1
    alive = [a for a in agents if a.energy > 0 and a.age <= p.max_age]
    return alive + born


def object_baseline(table: Genomes, n: int, timed: int) -> dict[str, Any]:
    quiet = Params(mutation_rate=0.0, transfer_rate=0.0, crossover_rate=0.0)
    world = sized_world(n, table, 3, quiet)
    o = world.organisms
    agents = [
        Agent(int(x), int(y), float(e), int(g))
        for x, y, e, g in zip(o.x, o.y, o.energy, o.genome, strict=True)
    ]
    rng = random.Random(3)
    start = time.perf_counter()
    for _ in range(timed):
        agents = object_tick(agents, world, table, rng)
    objects = timed / (time.perf_counter() - start)
    arrays_world = sized_world(n, table, 3, quiet)
    start = time.perf_counter()
    for t in range(timed):
        life.step(arrays_world, table, REWARDS, np.random.default_rng([3, t]))
    arrays = timed / (time.perf_counter() - start)
    return {
        "organisms": n,
        "objects_ticks_per_s": round(objects, 2),
        "arrays_ticks_per_s": round(arrays, 1),
        "ratio": round(arrays / objects, 1),
    }


def neighbours(table: Genomes) -> dict[str, Any]:
    world = sized_world(100_000, table, 4)
    parents = np.random.default_rng(4).choice(len(world.organisms), 1000, replace=False)
    start = time.perf_counter()
    for r in range(5):
        life._cellmates(world, parents, np.random.default_rng(r))
    grid = (time.perf_counter() - start) / 5
    o = world.organisms
    start = time.perf_counter()
    for _ in range(5):
        tree = cKDTree(np.stack([o.x, o.y], axis=1))
        tree.query_ball_point(np.stack([o.x[parents], o.y[parents]], axis=1), r=0.5)
    kd = (time.perf_counter() - start) / 5
    fields = np.random.default_rng(5).random((12, world.params.height, world.params.width))
    start = time.perf_counter()
    for _ in range(20):
        diffuse(fields, 0.1)  # scipy.ndimage.convolve with the 5-point stencil
    conv = (time.perf_counter() - start) / 20
    start = time.perf_counter()
    for _ in range(20):
        around = sum(np.roll(fields, s, a) for s in (1, -1) for a in (-1, -2))
        fields + 0.1 * (around - 4 * fields) / 4
    roll = (time.perf_counter() - start) / 20
    return {
        "cellmates_grid_hash_ms": round(grid * 1000, 2),
        "cellmates_ckdtree_ms": round(kd * 1000, 2),
        "diffusion_roll_ms": round(roll * 1000, 2),
        "diffusion_convolve_ms": round(conv * 1000, 2),
    }


def evolution(founders: list[str], ticks: int, signals: bool) -> dict[str, Any]:
    table = founders_table(founders)
    params = Params(width=48, height=48, signals=signals)
    curve, producers = [], []
    with (
        tempfile.TemporaryDirectory() as tmp,
        Judge(Path(tmp), LOGIC, SandboxSettings(), 2) as judge,
    ):
        table.judge(judge)
        rng = np.random.default_rng([7, 0])
        genomes = rng.integers(0, len(table), size=1000)
        world = new_world(rng, params, len(LOGIC.tasks) + 1, genomes, params.birth_energy / 2)
        for t in range(ticks):
            life.step(world, table, REWARDS, np.random.default_rng([7, t + 1]))
            table.judge(judge)
            tasks, _ = table.arrays()
            alive = np.unique(world.organisms.genome)
            mask = int(np.bitwise_or.reduce(tasks[alive])) if alive.size else 0
            curve.append(bin(mask).count("1"))
            o = world.organisms
            producers.append(float(o.producer.mean()) if len(o) else 0.0)
    tail = producers[-ticks // 4 :]
    return {
        "signals": signals,
        "tasks_by_tick": [*curve[:: max(1, ticks // 30)], curve[-1]],
        "first_tasks": curve[0],
        "last_tasks": curve[-1],
        "producer_share_last_quarter": round(float(np.mean(tail)), 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a short run")
    args = parser.parse_args()
    want, most = (10, 150) if args.quick else (40, 450)
    founders = read_corpus(bundled_corpus()).founders
    table = founders_table(founders)
    results: dict[str, Any] = {"benchmark": "ecosystem", "quick": args.quick}
    results["machine"] = {"cpus": os.cpu_count(), "python": platform.python_version()}
    with (
        tempfile.TemporaryDirectory() as tmp,
        Judge(Path(tmp), LOGIC, SandboxSettings(), 2) as judge,
    ):
        table.judge(judge)
        results["ticks"] = [tick_rate(n, table, judge, want, most) for n in (10_000, 100_000)]
    results["bytes_per_organism"] = round(bytes_per_organism(table), 1)
    results["judge"] = [judge_rate(founders, w, 60 if args.quick else 150) for w in (1, 2)]
    results["objects_baseline"] = object_baseline(table, 10_000, 3 if args.quick else 10)
    results["neighbours"] = neighbours(table)
    ticks = 150 if args.quick else 600
    results["evolution"] = [evolution(founders, ticks, signals) for signals in (True, False)]
    big = results["ticks"][1]
    results["goal_ticks_met"] = bool(big["ticks"]) and big["world_ticks_per_s"] >= GOAL_TICKS_PER_S
    results["goal_bytes_met"] = results["bytes_per_organism"] <= GOAL_BYTES
    report(results)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")


def report(r: dict[str, Any]) -> None:
    for row in r["ticks"]:
        if not row["ticks"]:
            print(f"no tick with about {row['target']:,} organisms: the population never got there")
            continue
        print(
            f"{row['mean_population']:>8,} organisms ({row['world']}): world "
            f"{row['world_ticks_per_s']:.1f} ticks/s; making new genomes too "
            f"{row['ticks_per_s_with_new_genomes']:.1f}; whole ticks, judging overlapped "
            f"{row['ticks_per_s_whole']:.1f} "
            f"({row['new_genomes_per_tick']} new genomes/tick)"
        )
    met = "met" if r["goal_ticks_met"] else "MISSED"
    at = r["ticks"][1].get("mean_population", 0)
    print(f"goal >= {GOAL_TICKS_PER_S:g} world ticks/s at 100,000 organisms (had {at:,}): {met}")
    met = "met" if r["goal_bytes_met"] else "MISSED"
    print(
        f"world state per organism: {r['bytes_per_organism']} bytes (goal <= {GOAL_BYTES}: {met})"
    )
    for row in r["judge"]:
        print(f"genomes judged in the sandbox, {row['workers']} worker(s): {row['per_s']}/s")
    b = r["objects_baseline"]
    print(
        f"one object per organism, {b['organisms']:,}: {b['objects_ticks_per_s']} ticks/s against "
        f"{b['arrays_ticks_per_s']} for the arrays ({b['ratio']}x)"
    )
    nb = r["neighbours"]
    print(
        f"cellmates of 1,000 parents among 100,000: grid hash {nb['cellmates_grid_hash_ms']} ms, "
        f"cKDTree {nb['cellmates_ckdtree_ms']} ms; diffusion: np.roll "
        f"{nb['diffusion_roll_ms']} ms, ndimage.convolve {nb['diffusion_convolve_ms']} ms"
    )
    for e in r["evolution"]:
        print(
            f"signals {'on ' if e['signals'] else 'off'}: distinct tasks {e['first_tasks']} -> "
            f"{e['last_tasks']}; producers in the last quarter "
            f"{e['producer_share_last_quarter']:.1%}"
        )


if __name__ == "__main__":
    main()
