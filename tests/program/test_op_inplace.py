"""inplace_result: the object after an in-place method, not the None it returns."""

from __future__ import annotations

import random
from typing import Any

import pytest
from edit_kit import lines_changed, outcomes, program, repairs

from petri.program.edits import Original
from petri.program.operators import OPERATORS
from petri.program.sites import STMT

UNIQUE = program(
    """
    def remove_extras(lst):
        result = []
        for item in lst:
            if item not in result:
                result = result.append(item)
        return result
    """
)

BY_AGE = program(
    """
    def sort_age(people):
        return people.sort(key=lambda person: person[1], reverse=True)
    """
)

GROWN = program(
    """
    def grown(seen, extra):
        seen += seen.extend(extra)
        return seen
    """
)

TOP_K = program(
    """
    def top_k(lst, k):
        new_lst = []
        for i in range(k):
            new_lst.append(lst.remove(max(lst)))
        return new_lst
    """
)

RENAMED = program(
    """
    def without(values, unwanted):
        kept = values.remove(unwanted)
        return kept
    """
)


def test_an_assignment_of_the_call_becomes_the_call() -> None:
    fixed = repairs(
        UNIQUE, "inplace_result", STMT, "result = result.append(item)",
        lambda ns: ns["remove_extras"]([5, 2, 1, 2, 3]) == [5, 2, 1, 3],
    )  # fmt: skip
    assert fixed == ["result.append(item)"]


def test_a_returned_call_runs_then_its_object_is_returned() -> None:
    def check(ns: dict[str, Any]) -> bool:
        return bool(ns["sort_age"]([("M", 23), ("F", 30)]) == [("F", 30), ("M", 23)])

    code = "return people.sort(key=lambda person: person[1], reverse=True)"
    after = Original.parse(BY_AGE).apply([_edit(BY_AGE, code)])
    assert after is not None
    assert lines_changed(BY_AGE, after) == [
        "people.sort(key=lambda person: person[1], reverse=True)",
        "return people",
    ]
    assert repairs(BY_AGE, "inplace_result", STMT, code, check)


def test_an_augmented_assignment_of_the_call_becomes_the_call() -> None:
    fixed = repairs(
        GROWN, "inplace_result", STMT, "seen += seen.extend(extra)",
        lambda ns: ns["grown"]([1], [2, 3]) == [1, 2, 3],
    )  # fmt: skip
    assert fixed == ["seen.extend(extra)"]


def test_another_name_assigned_gets_the_object_after_the_call() -> None:
    results = outcomes(RENAMED, "inplace_result", STMT, "kept = values.remove(unwanted)")
    assert list(results) == [()]
    assert lines_changed(RENAMED, results[()]) == ["values.remove(unwanted)", "kept = values"]


def test_a_removal_read_as_a_value_becomes_the_value_then_the_removal() -> None:
    fixed = repairs(
        TOP_K, "inplace_result", STMT, "new_lst.append(lst.remove(max(lst)))",
        lambda ns: ns["top_k"]([3, 9, 1, 7], 2) == [9, 7],
    )  # fmt: skip
    assert fixed == ["lst.remove(max(lst))", "new_lst.append(max(lst))"]  # sorted


@pytest.mark.parametrize(
    "line",
    [
        "kept = values.pop()",  # returns a value
        "kept = values.copy()",
        "kept = make().append(1)",  # the object has no name to return
        "values.append(1)",  # nothing kept
        "kept += values.append(1)",  # another name grown: no one meaning
        "kept = values.append(1); other = 2",  # two statements on the line
        "kept = append(values)",
        "values.remove(1)",  # a removal as a statement is right
        "kept = [values.remove(v) for v in kept]",  # v is the comprehension's
        "kept = lambda v: values.discard(v)",
        "kept = [1] + make(values.remove(1, 2))",  # not one value removed
    ],
)
def test_it_leaves_other_statements_alone(line: str) -> None:
    source = f"def f(values, kept, make, append):\n    {line}\n    return kept\n"
    original = Original.parse(source)
    rng = random.Random(0)
    assert all(OPERATORS["inplace_result"](original, s, rng) is None for s in original.sites)


def test_an_edit_whose_statement_no_longer_keeps_the_call_does_not_fit() -> None:
    original = Original.parse(UNIQUE)
    edit = _edit(UNIQUE, "result = result.append(item)")
    other = Original.parse(UNIQUE.replace("result.append(item)", "result + [item]"))
    assert original.apply([edit]) is not None
    assert other.apply([edit]) is None  # the same site, no in-place call there


def _edit(source: str, code: str) -> Any:
    original = Original.parse(source)
    rng = random.Random(0)
    for site in original.sites:
        edit = OPERATORS["inplace_result"](original, site, rng)
        if edit is not None and code in original.module.code_for_node(site.node):
            return edit
    raise AssertionError(f"no inplace_result at {code!r}")
