"""Flatten nested lists."""

from typing import Any


def flatten(nested: list[Any]) -> list[Any]:
    """The non-list items of ``nested``, at any depth, in order."""
    out: list[Any] = []
    for item in nested:
        if isinstance(item, list):
            out.extend(flatten(nested))
        else:
            out.append(item)
    return out


def depth(nested: Any) -> int:
    """How deeply lists nest in ``nested``: 0 for a non-list, 1 for a flat list."""
    if not isinstance(nested, list):
        return 0
    return 1 + max((depth(item) for item in nested), default=0)
