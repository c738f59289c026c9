"""Delta debugging (ddmin) over a candidate's edits: the smallest edit list that still works.

Search keeps edits that do nothing or that other edits undo; the patch a user reads should hold
only the edits the result needs. ``ddmin`` is Zeller's algorithm on a list: it tries subsets
and complements at growing granularity and returns a 1-minimal list (dropping any one more
element breaks it). ``works`` is called at most once per distinct subset.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")


def ddmin(items: Sequence[T], works: Callable[[list[T]], bool]) -> list[T]:
    """A 1-minimal sublist of ``items`` (order kept) for which ``works`` holds.

    ``works(list(items))`` is assumed true; the empty list is tried first.
    """
    cache: dict[tuple[int, ...], bool] = {}

    def test(keep: tuple[int, ...]) -> bool:
        if keep not in cache:
            cache[keep] = works([items[i] for i in keep])
        return cache[keep]

    current = tuple(range(len(items)))
    if not current or test(()):
        return []
    chunks = 2
    while len(current) >= 2:
        parts = _split(current, chunks)
        reduced = _reduce(parts, current, test)
        if reduced is not None:
            current, chunks = reduced
        elif chunks >= len(current):
            break
        else:
            chunks = min(len(current), chunks * 2)
    if len(current) == 1 and test(()):
        return []
    return [items[i] for i in current]


def _split(seq: tuple[int, ...], n: int) -> list[tuple[int, ...]]:
    size, extra = divmod(len(seq), n)
    parts, start = [], 0
    for i in range(n):
        end = start + size + (1 if i < extra else 0)
        parts.append(seq[start:end])
        start = end
    return [p for p in parts if p]


def _reduce(
    parts: list[tuple[int, ...]], current: tuple[int, ...], test: Callable[[tuple[int, ...]], bool]
) -> tuple[tuple[int, ...], int] | None:
    """The next (subset, granularity) if a part or a complement still works, else None."""
    for part in parts:
        if test(part):
            return part, 2
    if len(parts) > 2:
        for part in parts:
            complement = tuple(i for i in current if i not in part)
            if test(complement):
                return complement, max(len(parts) - 1, 2)
    return None
