"""Misspelled names in operations standing as statements (``fuond - person`` for ``found =
person``), the slip ``assign_add`` repairs by assigning the name spelled most like it."""

# ruff: noqa: B015, F821


def oldest(people: list[tuple[str, int]]) -> tuple[str, int]:
    found = people[0]
    for person in people:
        if person[1] > found[1]:
            fuond - person
    return found


def shortest(words: list[str]) -> str:
    best = words[0]
    for word in words:
        if len(word) < len(best):
            bset == word
    return best


def summed(values: list[int]) -> int:
    toatl = 0
    for value in values:
        total + value
    return toatl
