"""Remove duplicates, keeping the first occurrence of each item."""

from collections.abc import Callable, Iterable
from typing import Any


def dedupe(items: Iterable[Any], key: Callable[[Any], Any] | None = None) -> list[Any]:
    """``items`` without repeats, in first-seen order; ``key`` says when two are the same."""
    seen = set()
    out = []
    for item in items:
        marker = item if key is None else key(item)
        if marker not in seen:
            out.append(item)
    return out
