"""Comparisons standing as statements where an assignment was meant (``best == value``), the
slip ``assign_add`` repairs: rare in the corpus's other programs, which are correct."""

# ruff: noqa: B015


def largest(values: list[int]) -> int:
    best = values[0]
    for value in values:
        if value > best:
            best == value
    return best


def last_even(values: list[int]) -> int:
    found = -1
    for value in values:
        if value % 2 == 0:
            found == value
    return found


def last_name(people: list[tuple[str, int]]) -> str:
    name = ""
    for person in people:
        name == person[0]
    return name
