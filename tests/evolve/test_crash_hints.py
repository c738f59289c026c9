"""Crash hints: real Python errors name the operators that fix them, and the breeder's mix gives
those their full turn."""

from __future__ import annotations

import traceback
from collections.abc import Callable

import pytest
from hidden_slip import HIDDEN

from petri.evolve.breed import OPERATOR_MIX
from petri.evolve.crash_hints import (
    crash_lines,
    hinted_mix,
    hinted_operators,
    hints_of,
    named_of,
    original_lines,
)
from petri.sandbox.outcome import Evaluation, Status, TestOutcome, TestResult


def message(slip: Callable[[], object]) -> str:
    """The one line the judge reports for a test that raised (``Type: text``)."""
    try:
        slip()
    except Exception as exc:
        return traceback.format_exception_only(exc)[-1].strip()
    raise AssertionError("the slip did not raise")


def none() -> None:
    return None


NUMBER: object = 3
ITEMS = [1]


@pytest.mark.parametrize(
    ("slip", "fixes"),
    [
        (lambda: NUMBER[1], {"index_drop"}),  # type: ignore[index]  # pair[1] on a number
        (lambda: [x for x in 5], {"call_wrap", "box"}),  # type: ignore[attr-defined]
        (lambda: [1] + 2, {"box"}),  # type: ignore[operator]
        (lambda: 1 + [2], {"box", "unwrap"}),  # type: ignore[operator]
        (lambda: none()[0], {"inplace_result", "inplace_copy", "return_add"}),  # type: ignore[index]
        (lambda: [1].add(2), {"attr_replace"}),  # type: ignore[attr-defined]
        (lambda: ITEMS[len(ITEMS)], {"index_shift", "subscript_change", "guard_add"}),
        (lambda: [x for x in none], {"call_add"}),  # type: ignore[attr-defined]
        (lambda: len([1], [2]), {"arg_drop"}),  # type: ignore[call-arg]
        (lambda: 1 / 0, {"cond_narrow", "guard_add"}),
    ],
)
def test_each_error_names_the_operators_that_fix_its_slip(
    slip: Callable[[], object], fixes: set[str]
) -> None:
    assert fixes <= set(hinted_operators([message(slip)]))


def test_an_unbound_local_points_at_a_missing_assignment() -> None:
    def count(xs: list[int]) -> int:
        for x in xs:
            total += x  # type: ignore[has-type]  # noqa: F821
        return total  # type: ignore[has-type]

    assert {"stmt_new", "target_replace"} <= set(hinted_operators([message(lambda: count([1]))]))


def test_a_failed_assertion_or_an_unknown_error_points_nowhere() -> None:
    assert hinted_operators(["assert 3 == 5", "KeyError: 'a'", "RecursionError: maximum"]) == ()
    assert hinted_operators([]) == ()


def test_hints_come_from_the_crashes_of_failing_tests_only() -> None:
    crash = message(lambda: NUMBER[1])  # type: ignore[index]
    tests = (
        TestResult("t0", TestOutcome.FAILED, 0.0, crash),
        TestResult("t1", TestOutcome.PASSED, 0.0, "AttributeError: kept by a passing test"),
        TestResult("t2", TestOutcome.TIMEOUT, 0.0, "ZeroDivisionError: seen before the hang"),
        TestResult("t3", TestOutcome.ERROR, 0.0, message(lambda: [1] + 2)),  # type: ignore[operator]
    )
    hints = hints_of(Evaluation(Status.FAILED, tests))
    assert hints == tuple(sorted(hints))  # one order, whatever the tests' order
    assert {"index_drop", "box"} <= set(hints)
    assert not {"attr_replace", "cond_narrow"} & set(hints)


def test_the_mix_gives_hinted_operators_their_full_turn_and_keeps_the_rest() -> None:
    mix = hinted_mix(OPERATOR_MIX, ["index_drop", "name_replace"])
    assert OPERATOR_MIX["index_drop"] < 1.0
    assert mix["index_drop"] == 1.0
    assert mix["name_replace"] == 1.0  # never thinned: as before
    assert {k: v for k, v in mix.items() if k not in {"index_drop", "name_replace"}} == {
        k: v for k, v in OPERATOR_MIX.items() if k != "index_drop"
    }
    assert hinted_mix(OPERATOR_MIX, []) == OPERATOR_MIX
    assert hinted_mix({"box": 2.0}, ["wrap"]) == {"box": 2.0, "wrap": 2.0}


def test_named_are_the_names_crashes_could_not_find() -> None:
    def unbound() -> object:
        return new  # type: ignore[name-defined]  # noqa: F821

    tests = (
        TestResult("t0", TestOutcome.FAILED, 0.0, message(unbound)),
        TestResult("t1", TestOutcome.ERROR, 0.0, message(lambda: [1].add(2))),  # type: ignore[attr-defined]
        TestResult("t2", TestOutcome.PASSED, 0.0, "NameError: name 'kept' is not defined"),
        TestResult("t3", TestOutcome.FAILED, 0.0, "assert 3 == 5"),
    )
    assert named_of(Evaluation(Status.FAILED, tests)) == ("new",)
    assert named_of(Evaluation(Status.FAILED, tests[1:])) == ()


def test_crash_lines_are_where_failing_tests_raised() -> None:
    tests = (
        TestResult(
            "t0", TestOutcome.FAILED, 0.0, "TypeError: 'int' object is not iterable", line=5
        ),
        TestResult("t1", TestOutcome.ERROR, 0.0, "NameError: name 'x' is not defined", line=4),
        TestResult(
            "t2", TestOutcome.FAILED, 0.0, "TypeError: 'int' object is not iterable", line=5
        ),
        TestResult("t3", TestOutcome.FAILED, 0.0, "assert 3 == 5"),  # the test's own assert
        TestResult("t4", TestOutcome.TIMEOUT, 0.0, "ran out of time", line=9),
    )
    assert crash_lines(Evaluation(Status.FAILED, tests)) == (4, 5)
    assert crash_lines(Evaluation(Status.FAILED, tests[3:])) == ()


def test_a_childs_crash_lines_are_read_as_the_lines_of_the_original_they_came_from() -> None:
    renamed = HIDDEN.replace("x not in", "item not in")
    assert original_lines(HIDDEN, renamed, [4, 5]) == (4, 5)  # one line for one line
    guarded = HIDDEN.replace(
        "    out = []\n", "    if not items:\n        return []\n    out = []\n"
    )
    assert original_lines(HIDDEN, guarded, [2, 7]) == (5,)  # the guard's lines have none
    assert original_lines(HIDDEN, HIDDEN, [5, 5]) == (5,)
    assert original_lines(HIDDEN, guarded, []) == ()
