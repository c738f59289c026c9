"""Reversals read for their result (None), one of the slips ``inplace_copy`` repairs; short
functions, so that the calls are a good share of the sites."""


def backwards(xs: list[int]) -> list[int]:
    return xs.reverse()  # type: ignore[func-returns-value]


def first_last(xs: list[int]) -> tuple[int, int]:
    flipped = xs.reverse()  # type: ignore[func-returns-value]
    return flipped[-1], flipped[0]
