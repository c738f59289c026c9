"""Dicts kept as what an in-place method returns (None), the slip ``inplace_result`` repairs:
rare in the corpus's other programs, which are correct."""


def merged(first: dict[str, int], second: dict[str, int]) -> dict[str, int]:
    both = first.update(second)  # type: ignore[func-returns-value]
    return both


def emptied(table: dict[str, int]) -> dict[str, int]:
    return table.clear()  # type: ignore[func-returns-value]
