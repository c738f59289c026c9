"""Judge of the greedy knapsack packer, in the evaluate(program_path) format.

The program's ``pack(items, capacity)`` chooses which items (value, weight) to carry. On each of
a fixed set of seeded instances its packing is worth its value divided by the fractional-knapsack
bound (which no packing can beat); a packing that overfills the knapsack, repeats an item or
names one that does not exist is worth 0. Runs inside petri's jail: no subprocess, no network.
"""

import importlib.util
import random
from types import ModuleType

SEED = 20240917
Item = tuple[float, float]


def _instances(count: int) -> list[tuple[list[Item], float]]:
    rng = random.Random(SEED)
    cases = []
    for _ in range(count):
        items = []
        for _ in range(rng.randint(10, 40)):
            weight = rng.uniform(1.0, 30.0)
            value = weight * rng.uniform(0.5, 2.0) + rng.uniform(0.0, 10.0)
            items.append((round(value, 2), round(weight, 2)))
        capacity = round(sum(w for _, w in items) * rng.uniform(0.2, 0.5), 2)
        cases.append((items, capacity))
    return cases


CASES = _instances(40)


def _load(program_path: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location("candidate", program_path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {program_path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _bound(items: list[Item], capacity: float) -> float:
    """The fractional-knapsack optimum: an upper bound on every 0/1 packing."""
    total, room = 0.0, capacity
    for value, weight in sorted(items, key=lambda item: item[0] / item[1], reverse=True):
        take = min(1.0, room / weight)
        total += value * take
        room -= weight * take
        if room <= 0:
            break
    return total


def _packed_value(chosen: object, items: list[Item], capacity: float) -> float | None:
    """The value of a valid packing; None when the packing is not valid."""
    if not isinstance(chosen, list) or len(set(chosen)) != len(chosen):
        return None
    if not all(type(i) is int and 0 <= i < len(items) for i in chosen):
        return None
    if sum(items[i][1] for i in chosen) > capacity + 1e-9:
        return None
    return sum(items[i][0] for i in chosen)


def evaluate(program_path: str) -> dict[str, float]:
    pack = _load(program_path).pack
    ratios = []
    valid = 0
    for items, capacity in CASES:
        packed = _packed_value(pack(list(items), capacity), items, capacity)
        valid += packed is not None
        ratios.append(0.0 if packed is None else packed / _bound(items, capacity))
    value_ratio = sum(ratios) / len(ratios)
    return {
        "value_ratio": value_ratio,
        "valid": valid / len(CASES),
        "combined_score": value_ratio,
    }
