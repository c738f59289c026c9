"""Merge two sorted lists into one, stably."""

from collections.abc import Callable
from typing import Any


def _identity(x: Any) -> Any:
    return x


def merge_sorted(a: list[Any], b: list[Any], key: Callable[[Any], Any] = _identity) -> list[Any]:
    """The items of ``a`` and ``b`` (each sorted by ``key``) in one list sorted by ``key``.

    Stable: of two items with equal keys, the one from ``a`` comes first.
    """
    out = []
    i = j = 0
    while i < len(a) and j < len(b):
        if key(b[j]) <= key(a[i]):
            out.append(b[j])
            j += 1
        else:
            out.append(a[i])
            i += 1
    out.extend(a[i:])
    out.extend(b[j:])
    return out
