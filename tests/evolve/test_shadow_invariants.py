"""Invariants of the original's vouched results: type, sign and a length that never changes."""

from __future__ import annotations

from petri.evolve.shadow_invariants import broken, kind, mine


def test_a_type_and_a_sign_hold_from_one_result() -> None:
    rules = mine([("percent", 33)])
    assert [r.name for r in rules["percent"]] == ["returns number", ">= 0"]
    assert broken(rules, "percent", 0.5) == ""
    assert broken(rules, "percent", -33) == ">= 0"
    assert broken(rules, "percent", "33") == "returns number"
    assert broken(rules, "percent", True) == "returns number"  # a bool is not a number here
    assert broken(rules, "other", -1) == ""  # no vouched result: nothing to break


def test_a_length_needs_two_results_that_agree() -> None:
    assert [r.name for r in mine([("bar", "[--]")])["bar"]] == ["returns str"]
    rules = mine([("bar", "[--]"), ("bar", "[#-]")])
    assert [r.name for r in rules["bar"]] == ["returns str", "len == 4"]
    assert broken(rules, "bar", "[---]") == "len == 4"
    assert [r.name for r in mine([("f", [1]), ("f", [1, 2])])["f"]] == ["returns list"]


def test_mixed_results_say_nothing_and_signs_follow_the_results() -> None:
    assert mine([("f", 1), ("f", None)])["f"] == []
    rules = mine([("g", -2), ("g", 0.0)])
    assert [r.name for r in rules["g"]] == ["returns number", "<= 0"]
    assert [r.name for r in mine([("h", -1), ("h", 1)])["h"]] == ["returns number"]
    assert (kind(True), kind(2), kind(2.5), kind(None)) == ("bool", "number", "number", "NoneType")
