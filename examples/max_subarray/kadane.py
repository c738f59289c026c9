"""The largest sum of a contiguous run of numbers (Kadane's algorithm)."""


def max_subarray(xs: list[int]) -> int:
    """The largest sum of a non-empty contiguous slice of ``xs``."""
    if not xs:
        raise ValueError("an empty list has no non-empty slice")
    best = current = xs[0]
    for x in xs[1:]:
        current = max(x, current + x)  # extend the run ending here, or start anew
        best = max(best, x)
    return best
