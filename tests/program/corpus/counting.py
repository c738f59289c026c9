"""Loops that end by what their bodies do to a list or a set, not by a counter: while loops whose
condition reads names the body never assigns (rare in the corpus's other programs)."""


def until_limit(limit: int, step: int) -> list[int]:
    values = [0]
    while values[-1] + step <= limit:
        values.append(values[-1] + step)
    return values


def first_gap(numbers: list[int]) -> int:
    present = set(numbers)
    candidate = 0
    while candidate in present:
        candidate = candidate + 1
    return candidate
