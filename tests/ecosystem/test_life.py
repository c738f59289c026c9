"""One tick of life: eating, paying, signalling, moving, reproducing and dying."""

from __future__ import annotations

import numpy as np

from petri.ecosystem import life
from petri.ecosystem.genomes import Genomes
from petri.ecosystem.judge import Phenotype
from petri.ecosystem.world import Organisms, Params, World

AND = "def organism(a, b):\n    return a & b\n"
PLUS = "def organism(a, b):\n    return a + b\n"


def table(*phenotypes: tuple[str, int, int]) -> Genomes:
    genomes = Genomes()
    for source, tasks, ops in phenotypes:
        genomes.phenotypes[genomes.add(source)] = Phenotype(tasks, ops)
    return genomes


def world_of(p: Params, xs: list[int], ys: list[int], genomes: list[int], energy: float) -> World:
    n = len(xs)
    organisms = Organisms(
        x=np.array(xs, dtype=np.int64),
        y=np.array(ys, dtype=np.int64),
        energy=np.full(n, energy),
        age=np.zeros(n, dtype=np.int64),
        genome=np.array(genomes, dtype=np.int64),
        producer=np.zeros(n, dtype=bool),
    )
    shape = (2, p.height, p.width)
    cap = np.ones(shape)
    flat = (p.height, p.width)
    return World(p, cap, cap.copy(), np.zeros(flat), np.zeros(flat), organisms)


def test_uptake_follows_michaelis_menten_and_shares_a_scarce_cell() -> None:
    p = Params(vmax=1.0, km=1.0)
    plenty = np.array([1.0])
    one = life._uptake(plenty, np.array([0]), None, p)
    assert np.isclose(one[0], 0.5)  # vmax * R / (km + R) at R = km
    assert np.isclose(plenty[0], 0.5)
    scarce = np.array([0.6])
    three = life._uptake(scarce, np.array([0, 0, 0]), None, p)
    assert np.isclose(three.sum(), 0.6)  # demand 3 * 0.375 > 0.6: all of it, shared evenly
    assert np.allclose(three, 0.2) and scarce[0] == 0.0


def test_uptake_feeds_only_the_organisms_chosen() -> None:
    amount = np.array([1.0, 1.0])
    got = life._uptake(amount, np.array([0, 1, 1]), np.array([True, False, True]), Params())
    assert got[1] == 0.0 and got[0] > 0 and got[2] > 0


def test_performing_a_task_earns_more_than_food_alone() -> None:
    p = Params(width=4, height=1)
    genomes = table((AND, 1, 10), (PLUS, 0, 10))
    world = world_of(p, [0, 2], [0, 0], [0, 1], 1.0)
    gain = life.eat(world, genomes, np.array([4.0]))
    assert gain[0] > gain[1] > 0


def test_size_and_instructions_cost_energy() -> None:
    p = Params(base_cost=0.1, size_cost=0.01, cpu_cost=0.001)
    genomes = table((AND, 0, 100), (PLUS, 0, 1000))
    world = world_of(p, [0, 1], [0, 0], [0, 1], 1.0)
    paid = life.cost(world, genomes)
    sizes = genomes.size_array()
    assert np.isclose(paid[0], 0.1 + 0.01 * sizes[0] + 0.1)
    assert paid[1] > paid[0]


def test_producers_make_the_good_only_under_quorum_when_signals_are_on() -> None:
    crowd = Params(width=4, height=1, quorum=2.5, emit=1.0)
    world = world_of(crowd, [0, 0, 0, 2], [0, 0, 0, 0], [0, 0, 0, 0], 1.0)
    world.organisms.producer[:] = True
    good, producing = life.share_goods(world)
    assert list(producing) == [True, True, True, False]  # alone in cell 2: no quorum
    assert good[3] == 0.0 and good[0] > -crowd.good_cost
    off = world_of(Params(width=4, height=1, signals=False), [0, 2], [0, 0], [0, 0], 1.0)
    off.organisms.producer[:] = True
    _, producing = life.share_goods(off)
    assert producing.all()


def test_movers_climb_the_gradient_of_what_they_eat() -> None:
    p = Params(width=5, height=5, move_rate=1.0)
    genomes = table((AND, 1, 10))
    world = world_of(p, [2], [2], [0], 1.0)
    world.resources[1] = 0.0
    world.resources[1, 2, 3] = 5.0  # the task's resource, east of the organism
    life.move(world, genomes, np.random.default_rng(0))
    assert (int(world.organisms.x[0]), int(world.organisms.y[0])) == (3, 2)


def test_reproduction_halves_energy_and_places_the_child_next_to_its_parent() -> None:
    p = Params(width=8, height=8, birth_energy=4.0, mutation_rate=0.0, transfer_rate=0.0,
               crossover_rate=0.0, trait_flip=0.0)  # fmt: skip
    genomes = table((AND, 1, 10))
    world = world_of(p, [4, 1], [4, 1], [0, 0], 5.0)
    world.organisms.energy[1] = 1.0
    children, stats = life.reproduce(world, genomes, np.random.default_rng(0))
    assert stats.births == 1 and len(children) == 1
    assert world.organisms.energy[0] == 2.5 and children.energy[0] == 2.5
    assert abs(int(children.x[0]) - 4) <= 1 and abs(int(children.y[0]) - 4) <= 1
    assert int(children.genome[0]) == 0


def test_mutation_makes_new_genomes_within_the_ticks_novelty_budget() -> None:
    p = Params(width=4, height=4, birth_energy=1.0, mutation_rate=1.0, max_new_genomes=2)
    genomes = table((PLUS, 0, 10))
    world = world_of(p, [0] * 6, [0] * 6, [0] * 6, 5.0)
    world.organisms.x[:] = np.arange(6) % 4  # different cells: no cellmates needed
    children, stats = life.reproduce(world, genomes, np.random.default_rng(3))
    assert len(genomes) <= 3  # the founder and at most two new genomes
    assert stats.births == 6 and 1 <= stats.mutants <= 2  # the rest became clones
    new = {int(g) for g in children.genome} - {0}
    assert 1 <= len(new) <= 2


def test_cellmates_are_other_organisms_of_the_same_cell() -> None:
    p = Params(width=4, height=4)
    world = world_of(p, [0, 0, 1, 2, 2, 2], [0, 0, 0, 0, 0, 0], [0] * 6, 1.0)
    mates = life._cellmates(world, np.array([0, 2, 3, 5]), np.random.default_rng(0))
    assert mates[0] == 1
    assert mates[1] == -1  # alone
    assert mates[2] in (4, 5) and mates[3] in (3, 4)


def test_a_step_kills_the_starved_and_the_old() -> None:
    p = Params(width=4, height=4, max_age=3, base_cost=5.0, birth_energy=100.0)
    genomes = table((PLUS, 0, 10))
    world = world_of(p, [0, 1, 2], [0, 0, 0], [0, 0, 0], 50.0)
    world.organisms.energy[0] = 0.5  # starves this tick
    world.organisms.age[1] = 3  # too old after this tick
    stats = life.step(world, genomes, np.zeros(1), np.random.default_rng(0))
    assert stats.deaths == 2 and len(world.organisms) == 1
    assert world.tick == 1


def test_a_step_is_the_same_for_the_same_generator() -> None:
    p = Params(width=8, height=8, birth_energy=2.0)
    runs = []
    for _ in range(2):
        genomes = table((AND, 1, 10), (PLUS, 0, 10))
        world = world_of(p, [1, 2, 3, 4], [1, 1, 2, 2], [0, 1, 0, 1], 3.0)
        for t in range(5):
            life.step(world, genomes, np.array([2.0]), np.random.default_rng([9, t]))
        runs.append(world.arrays())
    for name in runs[0]:
        assert np.array_equal(runs[0][name], runs[1][name]), name
