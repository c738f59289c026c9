"""Invariants of the original's results on the calls its passing tests made, for the shadow test.

A passing test vouches for what the original returned on the calls it made. Simple properties
that hold on all of those results (Daikon-style invariants, as invariant-based patch validation
uses them) say what a right answer of that function looks like: its type, its sign, its length.
The shadow test uses them twice (``evolve.shadow``): an input on which the original's own
result breaks one is not trusted (the original is visibly off there, so a patch may differ),
and a patch counts a *violation* on each input where its result breaks one and another
patch's does not, which ranks it below a patch that keeps them.

Mined per function, from at least one result for the type and the sign and at least two for a
length that never changes (one sample says nothing about how long an answer is).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import partial

#: Results needed before an invariant of length is believed.
MIN_SAMPLES_FOR_LENGTH = 2


@dataclass(frozen=True)
class Invariant:
    """A property every vouched result of ``function`` has, named for the evidence."""

    function: str
    name: str
    holds: Callable[[object], bool]


def kind(value: object) -> str:
    """The type an invariant compares: numbers are one kind (``2 == 2.0`` elsewhere too)."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    return type(value).__name__


def _of_kind(expected: str, value: object) -> bool:
    return kind(value) == expected


def _signed(sign: int, value: object) -> bool:
    """``value`` is a number of ``sign`` (1: >= 0, -1: <= 0)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and value * sign >= 0


def _length(value: object) -> int | None:
    return len(value) if isinstance(value, str | list | tuple | dict | set) else None


def _has_length(size: int | None, value: object) -> bool:
    return _length(value) == size


def _of(function: str, results: list[object]) -> list[Invariant]:
    kinds = {kind(r) for r in results}
    if len(kinds) != 1:
        return []
    (only,) = kinds
    found = [Invariant(function, f"returns {only}", partial(_of_kind, only))]
    for sign, name in ((1, ">= 0"), (-1, "<= 0")):
        if only == "number" and all(_signed(sign, r) for r in results):
            found.append(Invariant(function, name, partial(_signed, sign)))
            break
    lengths = {_length(r) for r in results}
    if len(results) >= MIN_SAMPLES_FOR_LENGTH and len(lengths) == 1 and None not in lengths:
        (size,) = lengths
        name = f"len == {size}"
        found.append(Invariant(function, name, partial(_has_length, size)))
    return found


def mine(results: Iterable[tuple[str, object]]) -> dict[str, list[Invariant]]:
    """The invariants of each function over its ``(function, result)`` pairs: results of
    calls that passing tests made to the original. Results that are not literals (an object's
    repr, kept as text by the shadow test) are left out."""
    by_function: dict[str, list[object]] = {}
    for function, result in results:
        by_function.setdefault(function, []).append(result)
    return {name: _of(name, values) for name, values in sorted(by_function.items())}


def broken(invariants: Mapping[str, list[Invariant]], function: str, result: object) -> str:
    """The name of the first invariant of ``function`` that ``result`` breaks, else ""."""
    for invariant in invariants.get(function, ()):
        if not invariant.holds(result):
            return invariant.name
    return ""
