"""Summary statistics of a list of numbers."""


def mean(xs: list[float]) -> float:
    """The arithmetic mean."""
    if not xs:
        raise ValueError("the mean of no values")
    return sum(xs) / len(xs)


def median(xs: list[float]) -> float:
    """The middle value; the mean of the two middle values when the count is even."""
    if not xs:
        raise ValueError("the median of no values")
    s = sorted(xs)
    mid = len(s) // 2
    if len(s) % 2:
        return s[mid]
    return (s[mid - 1] + s[mid]) / 2


def value_range(xs: list[float]) -> float:
    """The largest value minus the smallest."""
    return max(xs) - min(xs)
