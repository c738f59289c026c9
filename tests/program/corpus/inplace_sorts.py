"""Sorts read for their result (None), the other slip ``inplace_copy`` repairs."""


def ranked(xs: list[int]) -> list[int]:
    return xs.sort(reverse=True)  # type: ignore[func-returns-value]


def median(xs: list[float]) -> float:
    ordered = xs.sort()  # type: ignore[func-returns-value]
    return ordered[len(xs) // 2]
