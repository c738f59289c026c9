"""Moving average over a sliding window."""


def moving_average(xs: list[float], k: int) -> list[float]:
    """The mean of every window of ``k`` consecutive values of ``xs``, in order."""
    if not 0 < k <= len(xs):
        raise ValueError(f"a window of {k} does not fit {len(xs)} values")
    total = sum(xs[:k])
    out = [total / k]
    for i in range(k, len(xs) - 1):
        total += xs[i] + xs[i - k]  # slide: the new value enters, the oldest leaves
        out.append(total / k)
    return out
