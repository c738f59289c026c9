"""Edits inside one statement line: a value returned, another name assigned, a dropped value
assigned."""

from __future__ import annotations

import random

from edit_kit import lines_changed, outcomes, program, repairs, site_at

from petri.program.edits import Original
from petri.program.operators import OPERATORS


def test_return_add_returns_an_expression_statement() -> None:
    source = "def f(xs):\n    xs.sort(); len(xs)\n"
    assert outcomes(source, "return_add", "stmt", "xs.sort(); len(xs)") == {
        (0,): "def f(xs):\n    return xs.sort(); len(xs)\n",
        (1,): "def f(xs):\n    xs.sort(); return len(xs)\n",
    }


def test_return_add_only_in_a_function_and_never_a_string() -> None:
    original = Original.parse('print(1)\n\n\ndef f(x):\n    """Doc."""\n    x; "note"\n')
    outside = site_at(original, "stmt", "print(1)")
    assert OPERATORS["return_add"](original, outside, random.Random(0)) is None
    inside = site_at(original, "stmt", 'x; "note"')
    edits = {OPERATORS["return_add"](original, inside, random.Random(seed)) for seed in range(20)}
    assert {edit.args for edit in edits if edit is not None} == {(0,)}


def test_return_add_repairs_a_recursion_whose_value_is_dropped() -> None:
    buggy = program(
        """
        def find(xs, x, i=0):
            if i == len(xs):
                return -1
            if xs[i] == x:
                return i
            find(xs, x, i + 1)
        """
    )
    check = lambda ns: ns["find"]([5, 6, 7], 7) == 2  # noqa: E731
    assert repairs(buggy, "return_add", "stmt", "find(xs, x, i + 1)", check) == [
        "return find(xs, x, i + 1)"
    ]


def test_target_replace_assigns_another_data_name() -> None:
    source = "def f(lo, hi):\n    mid = (lo + hi) // 2\n    lo += 1\n    return mid\n"
    results = outcomes(source, "target_replace", "stmt", "mid = (lo + hi) // 2")
    assert {args: lines_changed(source, out)[0] for args, out in results.items()} == {
        (0, "hi"): "hi = (lo + hi) // 2",
        (0, "lo"): "lo = (lo + hi) // 2",
    }
    augmented = outcomes(source, "target_replace", "stmt", "lo += 1")
    assert {args: lines_changed(source, out)[0] for args, out in augmented.items()} == {
        (0, "hi"): "hi += 1",
        (0, "mid"): "mid += 1",
    }


def test_target_replace_repairs_a_bisection_that_moves_the_wrong_end() -> None:
    buggy = program(
        """
        def root(f, lo, hi):
            for _ in range(60):
                mid = (lo + hi) / 2
                if f(mid) > 0:
                    lo = mid
                else:
                    lo = mid
            return lo
        """
    )
    check = lambda ns: abs(ns["root"](lambda x: x * x - 2, 0.0, 2.0) - 2**0.5) < 1e-6  # noqa: E731
    assert "hi = mid" in repairs(buggy, "target_replace", "stmt", "lo = mid", check)


def test_assign_add_assigns_a_comparison_or_operation_that_stands_alone() -> None:
    source = "def f(n):\n    c = 0\n    c + 1; c == n\n    return c\n"
    assert {
        args: lines_changed(source, out)[0]
        for args, out in outcomes(source, "assign_add", "stmt", "c + 1; c == n").items()
    } == {
        (0, "c", "="): "c = 1; c == n",
        (0, "c", "op="): "c += 1; c == n",
        (1, "c", "="): "c + 1; c = n",
    }


def test_assign_add_assigns_the_name_spelled_most_like_an_unbound_one() -> None:
    source = "def f(xs):\n    biggest = xs[0]\n    biggesr  - xs[1]\n    return biggest\n"
    assert {
        lines_changed(source, out)[0]
        for out in outcomes(source, "assign_add", "stmt", "biggesr  - xs[1]").values()
    } == {"biggest = xs[1]", "biggest -= xs[1]"}


def test_assign_add_leaves_calls_and_other_comparisons_alone() -> None:
    original = Original.parse("def f(xs, n):\n    xs.append(n); n < 2; f(xs) + 1\n    return n\n")
    site = site_at(original, "stmt", "xs.append(n); n < 2; f(xs) + 1")
    assert OPERATORS["assign_add"](original, site, random.Random(0)) is None


def test_assign_add_repairs_a_selection_that_compares_instead_of_keeping() -> None:
    buggy = program(
        """
        def oldest(people):
            found = people[0]
            for person in people:
                if person[1] > found[1]:
                    fuond - person
            return found
        """
    )
    check = lambda ns: ns["oldest"]([("a", 3), ("b", 9), ("c", 5)]) == ("b", 9)  # noqa: E731
    assert repairs(buggy, "assign_add", "stmt", "fuond - person", check) == ["found = person"]
