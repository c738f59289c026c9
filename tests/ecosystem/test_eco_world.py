"""The world's fields and the organisms' columns."""

from __future__ import annotations

import numpy as np

from petri.ecosystem.world import Organisms, Params, World, diffuse, new_world, patches


def test_diffusion_keeps_mass_and_spreads_a_peak_to_its_neighbours() -> None:
    field = np.zeros((1, 5, 5))
    field[0, 2, 2] = 10.0
    out = diffuse(field, 0.4)
    assert np.isclose(out.sum(), 10.0)
    assert out[0, 2, 2] < 10.0
    assert out[0, 1, 2] == out[0, 3, 2] == out[0, 2, 1] == out[0, 2, 3] > 0
    assert out[0, 0, 0] == 0.0


def test_diffusion_wraps_around_the_torus() -> None:
    field = np.zeros((1, 4, 4))
    field[0, 0, 0] = 4.0
    out = diffuse(field, 0.4)
    assert out[0, 3, 0] > 0 and out[0, 0, 3] > 0


def test_patches_give_food_everywhere_and_tasks_in_places() -> None:
    p = Params(width=32, height=32)
    cap = patches(np.random.default_rng(0), 4, p)
    assert cap.shape == (4, 32, 32)
    assert cap[0].min() >= p.capacity / 3 - 1e-9
    assert cap.max() <= p.capacity + 1e-9
    for layer in cap[1:]:
        assert (layer == 0).any() and (layer > 0).any()


def test_a_new_world_places_every_organism_with_its_genome() -> None:
    p = Params(width=16, height=8)
    genomes = np.array([0, 1, 2, 1])
    world = new_world(np.random.default_rng(1), p, 3, genomes, 2.0)
    o = world.organisms
    assert len(o) == 4
    assert list(o.genome) == [0, 1, 2, 1]
    assert ((o.x >= 0) & (o.x < 16)).all() and ((o.y >= 0) & (o.y < 8)).all()
    assert (o.energy == 2.0).all()
    assert np.array_equal(world.resources, world.capacity)
    assert np.array_equal(world.cell(), o.y * 16 + o.x)


def test_organisms_keep_and_extend_every_column() -> None:
    o = Organisms(
        x=np.array([0, 1, 2]),
        y=np.array([3, 4, 5]),
        energy=np.array([1.0, 2.0, 3.0]),
        age=np.array([0, 1, 2]),
        genome=np.array([7, 8, 9]),
        producer=np.array([True, False, True]),
    )
    kept = o.keep(np.array([True, False, True]))
    assert list(kept.genome) == [7, 9] and list(kept.producer) == [True, True]
    both = kept.extend(Organisms.empty())
    assert len(both) == 2 and list(both.x) == [0, 2]


def test_a_world_comes_back_from_its_arrays() -> None:
    p = Params(width=8, height=8)
    world = new_world(np.random.default_rng(2), p, 2, np.array([0, 1, 1]), 1.5)
    world.tick = 17
    back = World.from_arrays(p, world.arrays())
    assert back.tick == 17
    for name, array in world.arrays().items():
        assert np.array_equal(back.arrays()[name], array), name


def test_params_round_trip_and_ignore_unknown_keys() -> None:
    p = Params(width=10, signals=False)
    assert Params.from_json({**p.to_json(), "retired": 1}) == p
