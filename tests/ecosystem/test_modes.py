"""MODES measures on hand-computed checkpoints."""

from __future__ import annotations

import math

import pytest

from petri.ecosystem.modes import Modes


def test_measures_follow_the_persistence_filter() -> None:
    modes = Modes(persistence=1)
    first = modes.record(10, {"a": 5, "b": 5}, {"a": 1, "b": 3})
    assert (first.persistent, first.change, first.novelty) == (0, 0, 0)  # nothing has lasted
    second = modes.record(20, {"a": 2, "b": 2, "c": 4}, {"a": 1, "b": 3, "c": 9})
    assert (second.persistent, second.change, second.novelty) == (2, 2, 2)
    assert second.complexity_max == 3 and second.complexity_mean == 2
    assert math.isclose(second.ecology, math.log(2), rel_tol=1e-6)  # two equal abundances
    third = modes.record(30, {"b": 1, "c": 3}, {"b": 3, "c": 9})
    assert (third.persistent, third.change, third.novelty) == (2, 1, 1)  # c is new
    fourth = modes.record(40, {"a": 1, "b": 1}, {"a": 1, "b": 3})
    assert (fourth.persistent, fourth.change, fourth.novelty) == (
        1,
        0,
        0,
    )  # a came back: not persistent
    assert [m.tick for m in modes.history] == [10, 20, 30, 40]


def test_a_type_seen_persistent_before_is_change_but_not_novelty() -> None:
    modes = Modes(persistence=1)
    for tick, present in enumerate([{"a"}, {"a"}, set(), {"a"}, {"a"}]):
        last = modes.record(tick, {t: 1 for t in present}, {})
    assert (last.change, last.novelty) == (1, 0)


def test_modes_round_trip_and_check_their_window() -> None:
    modes = Modes(persistence=2)
    for tick in range(4):
        modes.record(tick, {"a": tick + 1, "b": 1}, {"a": 2.0})
    back = Modes.from_json(modes.to_json())
    assert back.record(9, {"a": 1}, {}) == modes.record(9, {"a": 1}, {})
    with pytest.raises(ValueError, match="at least 1"):
        Modes(persistence=0)
