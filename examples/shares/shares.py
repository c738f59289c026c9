"""Each key's share of a total, in percent.

Correct but slow: the loop recomputes the same total for every key, so the work grows with the
square of the number of keys. Computing the total once, before the loop, makes it linear.
"""


def shares(counts: dict[str, int]) -> dict[str, float]:
    """Each key's percentage of all counts, rounded to 0.1, keys in sorted order.

    Raises ValueError when there is a key but every count is zero.
    """
    result = {}
    for key in sorted(counts):
        total = sum(counts.values())
        if total == 0:
            raise ValueError("every count is zero")
        result[key] = round(100.0 * counts[key] / total, 1)
    return result
