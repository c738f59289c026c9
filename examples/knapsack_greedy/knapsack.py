"""Greedy 0/1 knapsack: take items in order of priority while they still fit.

``priority`` is the heuristic ``evaluate.py`` scores. Value minus weight is a poor one: it prefers
heavy items that are merely valuable over light items that are valuable for their weight.
"""


# EVOLVE-BLOCK-START
def priority(value: float, weight: float) -> float:
    """How eager the packer is to take an item (value, weight): higher goes first."""
    return value - weight


# EVOLVE-BLOCK-END


def pack(items: list[tuple[float, float]], capacity: float) -> list[int]:
    """Indices of the items (value, weight) to carry, ascending; their weights fit ``capacity``."""
    order = sorted(range(len(items)), key=lambda i: priority(*items[i]), reverse=True)
    chosen = []
    load = 0.0
    for i in order:
        weight = items[i][1]
        if load + weight <= capacity:
            chosen.append(i)
            load += weight
    return sorted(chosen)
