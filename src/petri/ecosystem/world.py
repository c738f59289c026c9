"""The world: a torus of cells holding fields, and the organisms on it as columns of arrays.

Fields are numpy arrays of shape (layers, height, width): ``resources`` holds food (layer 0,
which every organism eats) and one layer per task of the environment (eaten only by genomes
that perform the task); ``signal`` is what organisms emit to sense their density (quorum
sensing); ``good`` is the public good that producers make and every organism nearby eats.
Resources regrow towards a capacity map (patches, so that places differ and niches form) and
all fields diffuse with a 5-point stencil on the torus (``scipy.ndimage.convolve``; four
``np.roll`` do the same, and ``bench/ecosystem.py`` times both: neither wins on every run).

Organisms are a struct of arrays, one row per organism: position, energy, age, genome index
(into ``petri.ecosystem.genomes.Genomes``) and the producer trait. 100,000 of them are a few
megabytes, and a tick is a fixed number of array operations over them, never a Python loop per
organism.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import ndimage

from petri.errors import ConfigError

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Params:
    """The world's constants; every default is one place (here)."""

    width: int = 64
    height: int = 64
    capacity: float = 4.0  # the most a resource layer holds in its best cells
    regrow: float = 0.1  # share of the gap to capacity regrown per tick
    diffusion: float = 0.1  # share exchanged with the 4 neighbours per tick
    vmax: float = 1.0  # Michaelis-Menten: most an organism takes of one resource per tick
    km: float = 1.0  # Michaelis-Menten: the amount at which uptake is half of vmax
    food_value: float = 1.0
    task_value: float = 0.5  # times the task's reward, per unit taken
    base_cost: float = 0.1
    size_cost: float = 0.005  # per syntax tree node, per tick
    cpu_cost: float = 0.001  # per instruction the genome runs on the inputs, per tick
    birth_energy: float = 4.0
    max_age: int = 80
    move_rate: float = 0.25
    mutation_rate: float = 0.15
    transfer_rate: float = 0.03
    crossover_rate: float = 0.02
    #: New genomes a tick may make: each costs libcst work and a judgement in the sandbox,
    #: so novelty is paced by what the judge can take, not by the size of the population.
    max_new_genomes: int = 8
    trait_flip: float = 0.01  # chance a child's producer trait differs from its parent's
    signals: bool = True
    emit: float = 1.0
    signal_decay: float = 0.5
    quorum: float = 4.0  # signal above which a producer makes the public good
    good_cost: float = 0.25
    good_yield: float = 1.0
    good_take: float = 0.5  # share of a cell's public good eaten per tick
    good_decay: float = 0.2

    def to_json(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Params:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass
class Organisms:
    """One row per organism."""

    x: Ints
    y: Ints
    energy: Floats
    age: Ints
    genome: Ints
    producer: Bools

    @classmethod
    def empty(cls) -> Organisms:
        i = np.zeros(0, dtype=np.int64)
        return cls(i, i.copy(), np.zeros(0), i.copy(), i.copy(), np.zeros(0, dtype=bool))

    def __len__(self) -> int:
        return int(self.x.shape[0])

    def keep(self, mask: Bools) -> Organisms:
        return Organisms(*(getattr(self, f.name)[mask] for f in fields(self)))

    def extend(self, other: Organisms) -> Organisms:
        return Organisms(
            *(np.concatenate([getattr(self, f.name), getattr(other, f.name)]) for f in fields(self))
        )

    def arrays(self) -> dict[str, npt.NDArray[Any]]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass
class World:
    """Fields and organisms at one tick."""

    params: Params
    capacity: Floats  # (layers, height, width)
    resources: Floats
    signal: Floats  # (height, width)
    good: Floats
    organisms: Organisms
    tick: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def cells(self) -> int:
        return self.params.width * self.params.height

    def cell(self) -> Ints:
        """Each organism's cell index (row-major)."""
        o = self.organisms
        return o.y * self.params.width + o.x

    def arrays(self) -> dict[str, npt.NDArray[Any]]:
        """Everything a snapshot needs to bring this world back exactly."""
        out: dict[str, npt.NDArray[Any]] = {
            "capacity": self.capacity,
            "resources": self.resources,
            "signal": self.signal,
            "good": self.good,
            "tick": np.array(self.tick),
        }
        out.update({f"org_{k}": v for k, v in self.organisms.arrays().items()})
        return out

    @classmethod
    def from_arrays(cls, params: Params, data: dict[str, npt.NDArray[Any]]) -> World:
        org = Organisms(**{f.name: data[f"org_{f.name}"] for f in fields(Organisms)})
        return cls(
            params,
            data["capacity"],
            data["resources"],
            data["signal"],
            data["good"],
            org,
            int(data["tick"]),
        )


def patches(rng: np.random.Generator, layers: int, params: Params) -> Floats:
    """A capacity map per layer: smoothed noise, so each resource is rich in some places and
    scarce in others (food everywhere, at least a third of its capacity)."""
    shape = (layers, params.height, params.width)
    noise = rng.random(shape)
    sigma = max(1.0, min(params.width, params.height) / 10)
    smooth = ndimage.gaussian_filter(noise, sigma=(0, sigma, sigma), mode="wrap")
    low = smooth.min(axis=(1, 2), keepdims=True)
    high = smooth.max(axis=(1, 2), keepdims=True)
    scaled = (smooth - low) / np.maximum(high - low, 1e-12)
    scaled[1:] = np.clip(scaled[1:] * 2 - 1, 0, 1)  # task resources in patches
    scaled[0] = 1 / 3 + scaled[0] * 2 / 3
    return np.asarray(scaled * params.capacity, dtype=np.float64)


def diffuse(values: Floats, rate: float) -> Floats:
    """One step of diffusion on the torus over the last two axes (mass is kept): each cell
    gives ``rate`` of what it holds to its four neighbours, a quarter each."""
    if rate <= 0:
        return values
    stencil = np.array([[0, rate / 4, 0], [rate / 4, 1 - rate, rate / 4], [0, rate / 4, 0]])
    kernel = stencil.reshape((1,) * (values.ndim - 2) + stencil.shape)
    return np.asarray(ndimage.convolve(values, kernel, mode="wrap"), dtype=np.float64)


#: Bytes of one organism's row (x, y, energy, age, genome: 8 each; producer: 1).
ROW_BYTES = 41
#: A tick holds a few copies of the fields and of the organisms' columns at once.
_WORKING_COPIES = 4


def needed_bytes(params: Params, layers: int, organisms: int) -> int:
    """Memory a world needs while it ticks (fields and organisms, with working copies); the
    population may grow to a few times its start, which the copies also cover."""
    cells = params.width * params.height
    return _WORKING_COPIES * (cells * (2 * layers + 2) * 8 + organisms * ROW_BYTES)


def check_memory(params: Params, layers: int, organisms: int, available: int) -> None:
    """ConfigError naming the fix when the world would not fit in ``available`` bytes."""
    need = needed_bytes(params, layers, organisms)
    if need > available:
        gib = 1024**3
        raise ConfigError(
            f"a {params.width}x{params.height} world with {organisms:,} organisms needs about "
            f"{need / gib:.1f} GiB and {available / gib:.1f} GiB is free; give a smaller --size "
            "or fewer --organisms"
        )


def new_world(
    rng: np.random.Generator, params: Params, layers: int, genomes: Ints, energy: float
) -> World:
    """A world whose resources stand at capacity, with one organism per entry of ``genomes``
    at random places, a quarter of them producers."""
    capacity = patches(rng, layers, params)
    n = int(genomes.shape[0])
    organisms = Organisms(
        x=rng.integers(0, params.width, size=n),
        y=rng.integers(0, params.height, size=n),
        energy=np.full(n, energy),
        age=np.zeros(n, dtype=np.int64),
        genome=genomes.astype(np.int64),
        producer=rng.random(size=n) < 0.25,
    )
    shape = (params.height, params.width)
    return World(params, capacity, capacity.copy(), np.zeros(shape), np.zeros(shape), organisms)
