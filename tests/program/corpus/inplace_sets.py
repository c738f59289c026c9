"""Sets kept as what an in-place method returns (None), the slip ``inplace_result`` repairs:
rare in the corpus's other programs, which are correct."""


def grown(seen: set[int], more: set[int]) -> set[int]:
    seen = seen.add(0)  # type: ignore[func-returns-value]
    return seen


def without(seen: set[int], gone: int) -> set[int]:
    return seen.discard(gone)  # type: ignore[func-returns-value]
