"""ddmin returns a 1-minimal sublist and asks about each subset once."""

from __future__ import annotations

import itertools

import pytest

from petri.evolve.minimize import ddmin


def test_keeps_only_the_needed_items() -> None:
    calls: list[list[int]] = []

    def works(items: list[int]) -> bool:
        calls.append(items)
        return {3, 7}.issubset(items)

    assert ddmin(list(range(10)), works) == [3, 7]
    assert len({tuple(c) for c in calls}) == len(calls)  # no subset judged twice


def test_empty_when_nothing_is_needed() -> None:
    assert ddmin([1, 2, 3], lambda items: True) == []
    assert ddmin([], lambda items: True) == []


def test_single_needed_item() -> None:
    assert ddmin(["a"], lambda items: items == ["a"]) == ["a"]


@pytest.mark.parametrize(
    "needed", [s for r in range(1, 4) for s in itertools.combinations(range(5), r)]
)
def test_result_is_one_minimal(needed: tuple[int, ...]) -> None:
    def works(items: list[int]) -> bool:
        return set(needed).issubset(items)

    result = ddmin(list(range(5)), works)
    assert works(result)
    for i in range(len(result)):  # dropping any one more breaks it
        assert not works(result[:i] + result[i + 1 :])


def test_order_is_kept() -> None:
    assert ddmin([5, 1, 4, 2], {5, 2}.issubset) == [5, 2]
