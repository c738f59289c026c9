"""Inputs the tests never tried, for the shadow test (``evolve.shadow``).

Two sources, both deterministic:

* the neighbours of each call the suite made (recorded in the sandbox while the suite ran the
  original): one argument at a time moved a step (an int by one, a list shortened, lengthened,
  emptied, reversed or rotated, a string likewise ...); a list of tuples of one length holds
  records, whose first is moved field by field, never shortened;
* hypothesis examples for each top-level function whose parameters all have type hints
  (``st.from_type``, derandomized, so the same program always gets the same examples).

An input derived from a call made by a test that passed on the original is *trusted*: near
where the tests vouch for the original's behaviour, so a patch departing from it there is
suspect. Hypothesis inputs are not: there the original may be as wrong as it is anywhere.
Nor is a neighbour that leaves the inputs the tests ever passed: when every list the tests
gave an argument is sorted (``MIN_SORTED`` of them with two items or more), the program may
rely on it (a merge, a binary search), and its answer on a reversed list vouches for nothing.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import itertools
import random
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

#: Longest ``repr`` of an argument list kept (as in ``sandbox.judge_shadow``).
MAX_TEXT = 200
HINT_EXAMPLES = 25  # hypothesis examples per function
#: Sorted lists of two items or more an argument must get before it is believed always sorted.
MIN_SORTED = 2

#: An argument: its function and its position (or keyword).
Slot = tuple[str, int | str]


@dataclass(frozen=True)
class Recorded:
    """One call the suite made: function, ``repr((args, kwargs))``, its test and outcome."""

    function: str
    args: str
    test: str
    passed: bool


@dataclass(frozen=True)
class Input:
    """One generated call: ``args`` is ``repr((args, kwargs))``."""

    function: str
    args: str
    trusted: bool
    origin: str  # "neighbour", "hints" or "vouched" (a passing test's own call)


def generate(recorded: list[Recorded], source: str, seed: int, limit: int) -> list[Input]:
    """At most ``limit`` new inputs: neighbours of the recorded calls, then hypothesis
    examples from type hints; none repeats a recorded call. A sample of them (drawn with
    ``seed``) when there are more."""
    tried = {(r.function, r.args) for r in recorded}
    found: dict[tuple[str, str], Input] = {}
    for item in [*_from_records(recorded, sorted_slots(recorded)), *_from_hints(source)]:
        key = (item.function, item.args)
        if key in tried:
            continue
        old = found.get(key)
        if old is None or (item.trusted and not old.trusted):
            found[key] = item
    inputs = sorted(found.values(), key=lambda i: (i.function, i.args))
    if len(inputs) > limit:
        inputs = sorted(random.Random(seed).sample(inputs, limit), key=inputs.index)
    return inputs


def _parsed(text: str) -> tuple[tuple[Any, ...], dict[str, Any]] | None:
    """``repr((args, kwargs))`` read back, or None."""
    try:
        args, kwargs = ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None
    if not isinstance(args, tuple | list) or not isinstance(kwargs, dict):
        return None
    return tuple(args), kwargs


def _slots(function: str, text: str) -> Iterator[tuple[Slot, Any]]:
    parsed = _parsed(text)
    if parsed is not None:
        args, kwargs = parsed
        for index, value in enumerate(args):
            yield (function, index), value
        for name, value in kwargs.items():
            yield (function, name), value


def sorted_slots(recorded: list[Recorded]) -> frozenset[Slot]:
    """The arguments to which the tests only ever passed sorted lists (or tuples), at least
    ``MIN_SORTED`` of them with two items or more."""
    seen: dict[Slot, list[Any]] = {}
    for call in recorded:
        for slot, value in _slots(call.function, call.args):
            seen.setdefault(slot, []).append(value)
    return frozenset(
        slot
        for slot, values in seen.items()
        if all(_is_sorted(v) for v in values) and sum(len(v) >= 2 for v in values) >= MIN_SORTED
    )


def _is_sorted(value: object) -> bool:
    if not isinstance(value, list | tuple):
        return False
    try:
        return all(a <= b for a, b in itertools.pairwise(value))
    except TypeError:  # unorderable items
        return False


def _from_records(recorded: list[Recorded], ordered: frozenset[Slot]) -> Iterator[Input]:
    """The neighbours of each call, trusted when its test passed, unless the moved argument
    is one of ``ordered`` (always given sorted lists) and is no longer sorted."""
    for call in recorded:
        parsed = _parsed(call.args)
        if parsed is None:
            continue
        args, kwargs = parsed
        for i, value in enumerate(args):
            sorted_only = (call.function, i) in ordered
            for other in neighbours(value):
                moved = (*args[:i], other, *args[i + 1 :])
                text = _text(moved, kwargs)
                if text is not None:
                    trusted = call.passed and (not sorted_only or _is_sorted(other))
                    yield Input(call.function, text, trusted, "neighbour")


def neighbours(value: object) -> list[object]:
    """Values one step from ``value``, of its type; none equal to it."""
    if isinstance(value, bool):
        found: list[object] = [not value]
    elif isinstance(value, int):
        found = [value - 1, value + 1, 0, -value]
    elif isinstance(value, float):
        found = [value - 0.5, value + 0.5, 0.0, -value]
    elif isinstance(value, str):
        found = ["", value[::-1], value + value[:1], value[1:]]
    elif isinstance(value, list | tuple):
        found = [type(value)(x) for x in _sequences(list(value))]
    elif isinstance(value, dict):
        found = [{}, dict(list(value.items())[:-1])]
    else:
        found = []
    kept: list[object] = []
    for other in found:
        if other != value and other not in kept:
            kept.append(other)
    return kept


def _sequences(items: list[Any]) -> list[list[Any]]:
    found = [[], items[:-1], items + items[-1:], items[::-1], items[1:] + items[:1]]
    if items:
        moved = _record_moves(items) if _records(items) else neighbours(items[0])
        found += [[other, *items[1:]] for other in moved[:2]]
    with contextlib.suppress(TypeError):  # unorderable elements
        found.append(sorted(items))
    return found


def _records(items: list[Any]) -> bool:
    """Every item is a tuple, all of one length: records (``("May", 19)``), whose length is
    part of their type, not sequences to shorten."""
    return all(isinstance(x, tuple) for x in items) and len({len(x) for x in items}) == 1


def _record_moves(items: list[Any]) -> list[tuple[Any, ...]]:
    """The first record with one field moved a step, field by field: ``("May", 19)`` ->
    ``("", 19)``, ``("May", 18)``. A record shortened (``("May",)``) is an input no caller
    makes; a patch that fails on it is not worse for that."""
    first: tuple[Any, ...] = items[0]
    return [
        (*first[:j], other, *first[j + 1 :])
        for j, field in enumerate(first)
        for other in neighbours(field)[:1]
    ]


def _text(args: tuple[Any, ...], kwargs: dict[str, Any]) -> str | None:
    try:
        text = repr((args, kwargs))
        if len(text) > MAX_TEXT or ast.literal_eval(text) != (args, kwargs):
            return None
    except Exception:  # no literal form (NaN, objects, recursion)
        return None
    return text


def _from_hints(source: str) -> Iterator[Input]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
            hints = _hints(node)
            if hints:
                for args in _examples(hints):
                    text = _text(args, {})
                    if text is not None:
                        yield Input(node.name, text, False, "hints")


def _hints(node: ast.FunctionDef) -> list[Any]:
    """The types of ``node``'s positional parameters, or [] when one is missing or unknown."""
    params = node.args
    if params.vararg or params.kwarg or any(d is None for d in params.kw_defaults):
        return []
    scope: dict[str, Any] = {**vars(builtins), **vars(typing)}
    found: list[Any] = []
    for arg in [*params.posonlyargs, *params.args]:
        if arg.annotation is None:
            return []
        try:  # a hint is a plain expression of builtins and typing names, or it is skipped
            found.append(eval(compile(ast.Expression(arg.annotation), "<hint>", "eval"), scope))
        except Exception:
            return []
    return found


def _examples(hints: list[Any]) -> list[tuple[Any, ...]]:
    """Hypothesis examples of ``hints``, the same every time (derandomized, no database)."""
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import strategies as st
    from hypothesis.errors import HypothesisException

    found: list[tuple[Any, ...]] = []
    try:
        strategies = [st.from_type(h) for h in hints]

        @settings(
            max_examples=HINT_EXAMPLES,
            derandomize=True,
            database=None,
            deadline=None,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(st.tuples(*strategies))
        def collect(args: tuple[Any, ...]) -> None:
            found.append(args)

        collect()
    except (HypothesisException, TypeError, ValueError, NotImplementedError):
        # A hint hypothesis cannot build a strategy for (a forward reference, a protocol, a
        # bare TypeVar): this function gets no typed inputs; its recorded calls and their
        # neighbours still shadow-test it.
        return found
    return found
