"""Conditions: widened, narrowed, a clause dropped, a comparison for a constant."""

from __future__ import annotations

import random
from typing import Any

from edit_kit import lines_changed, outcomes, program, repairs, site_at

from petri.program.edits import Original
from petri.program.operators import OPERATORS


def test_cond_widen_adds_a_none_or_falsy_guard_of_a_data_name() -> None:
    source = "def f(x, y):\n    while x > y:\n        x -= 1\n"
    results = outcomes(source, "cond_widen", "cond", "x > y")
    assert {args: lines_changed(source, out)[0] for args, out in results.items()} == {
        ("is None", "x"): "while x is None or x > y:",
        ("is None", "y"): "while y is None or x > y:",
        ("not", "x"): "while not x or x > y:",
        ("not", "y"): "while not y or x > y:",
    }


def test_cond_narrow_adds_a_clause_with_and() -> None:
    source = "def f(x, y):\n    while x > y:\n        x -= 1\n"
    results = outcomes(source, "cond_narrow", "cond", "x > y")
    assert {args: lines_changed(source, out)[0] for args, out in results.items()} == {
        ("name", "x"): "while x > y and x:",
        ("name", "y"): "while x > y and y:",
        ("is not None", "x"): "while x > y and x is not None:",
        ("is not None", "y"): "while x > y and y is not None:",
        ("not", "x"): "while x > y and not x:",
        ("not", "y"): "while x > y and not y:",
    }  # data names only: never the function f


def test_cond_narrow_repairs_a_condition_that_is_not_specific_enough() -> None:
    buggy = program(
        """
        def first_nonzero_even(xs):
            for x in xs:
                if x % 2 == 0:
                    return x
        """
    )
    check = lambda ns: ns["first_nonzero_even"]([0, 2, 3]) == 2  # noqa: E731
    assert repairs(buggy, "cond_narrow", "cond", "x % 2 == 0", check) == ["if x % 2 == 0 and x:"]


def test_cond_drop_keeps_either_operand() -> None:
    source = "def f(a, b, c):\n    return a or b and c\n"
    assert outcomes(source, "cond_drop", "cond", "b and c") == {
        ("left",): "def f(a, b, c):\n    return a or b\n",
        ("right",): "def f(a, b, c):\n    return a or c\n",
    }
    whole = outcomes(source, "cond_drop", "expr", "a or b and c")
    assert whole[("right",)] == "def f(a, b, c):\n    return b and c\n"


def test_cond_drop_repairs_a_condition_too_specific() -> None:
    buggy = "def adult(age, member):\n    return age >= 18 and member\n"
    check = lambda ns: ns["adult"](20, False)  # noqa: E731
    assert repairs(buggy, "cond_drop", "expr", "age >= 18 and member", check) == [
        "return age >= 18"
    ]


def test_const_compare_returns_a_comparison_of_names_in_scope() -> None:
    source = "def f(a, b):\n    return False\n"
    results = outcomes(source, "const_compare", "expr", "False")
    assert {args for args in results} == {
        (left, token, right)
        for left, right in (("a", "b"), ("b", "a"))
        for token in ("==", "!=", "<", "<=", ">", ">=", "in", "not in")
    }
    assert results[("a", "<=", "b")] == "def f(a, b):\n    return a <= b\n"


def test_const_compare_repairs_a_constant_answer() -> None:
    buggy = "def covers(lo, hi, x):\n    if lo <= x:\n        return True\n    return False\n"
    check = lambda ns: [ns["covers"](1, 5, x) for x in (0, 3, 9)] == [False, True, False]  # noqa: E731
    assert "return x <= hi" in repairs(buggy, "const_compare", "expr", "True", check)


ONCE = program(
    """
    def once(day, rows):
        seen = ()
        for row in rows:
            if row == day:
                if day in seen:
                    return False
                seen += (day,)
        return True
    """
)


def test_const_compare_repairs_a_membership_answer() -> None:
    cases = [(1, (1, 2, 2)), (2, (1, 2, 2)), (3, (1, 2, 2)), (1, (2, 1)), (1, ())]

    def check(ns: dict[str, Any]) -> bool:
        return [ns["once"](*case) for case in cases] == [True, False, False, True, False]

    assert repairs(ONCE, "const_compare", "expr", "True", check) == ["return day in seen"]


def test_const_compare_asks_the_membership_the_program_tests_about_half_the_time() -> None:
    original = Original.parse(ONCE)
    site = site_at(original, "expr", "True")
    drawn = [OPERATORS["const_compare"](original, site, random.Random(seed)) for seed in range(60)]
    memberships = {("day", "in", "seen"), ("day", "not in", "seen")}
    known = [e for e in drawn if e is not None and e.args in memberships]
    assert 15 <= len(known) <= 45
    assert {e.args for e in known} == memberships
