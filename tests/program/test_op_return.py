"""return_end: the return a function falls off its end without."""

from __future__ import annotations

import random

import pytest
from edit_kit import outcomes, program, repairs

from petri.program.edits import Edit, Original
from petri.program.operators import OPERATORS
from petri.program.sites import STMT

SEARCH = program(
    """
    def search(x, seq):
        for i, element in enumerate(seq):
            if x <= element:
                return i
    """
)


def test_it_repairs_a_search_that_falls_off_its_end() -> None:
    def check(ns: dict[str, object]) -> bool:
        search = ns["search"]
        assert callable(search)
        return bool(search(1, [2, 3]) == 0 and search(9, [2, 3]) == 2 and search(5, []) == 0)

    fixed = repairs(SEARCH, "return_end", STMT, "for i, element in enumerate(seq):", check)
    assert fixed == ["return len(seq)"]


def test_it_offers_names_their_lengths_and_constants() -> None:
    results = outcomes(SEARCH, "return_end", STMT, "for i, element in enumerate(seq):")
    values = {str(args[0]) for args in results}
    assert {"seq", "len(seq)", "x", "0", "-1"} <= values
    assert all(out.rstrip().endswith(f"return {value}") for (value,), out in results.items())


@pytest.mark.parametrize(
    "source",
    [
        "def f(xs):\n    return xs\n",  # returns already
        "def f(xs):\n    raise ValueError(xs)\n",
        "def f(xs):\n    if xs:\n        xs.append(1)\n    return xs\n",  # not the last statement
        "xs = [1]\nfor x in xs:\n    print(x)\n",  # not in a function
    ],
)
def test_it_adds_no_return_where_the_function_cannot_fall_off(source: str) -> None:
    original = Original.parse(source)
    rng = random.Random(0)
    for site in original.sites:
        assert OPERATORS["return_end"](original, site, rng) is None, site.line


def test_an_if_body_inside_a_function_is_not_the_functions_end() -> None:
    source = "def f(xs):\n    if xs:\n        xs.append(1)\n"
    original = Original.parse(source)
    rng = random.Random(0)
    proposed = {
        site.line
        for site in original.sites
        for _ in range(20)
        if OPERATORS["return_end"](original, site, rng) is not None
    }
    assert proposed == {2}  # the if, last in the function's body; not xs.append inside it


@pytest.mark.parametrize(
    "value", ["__import__('os').system('true')", "len(xs, 1)", "xs + 1", "not a value", "x" * 300]
)
def test_an_edit_with_another_value_does_not_fit(value: str) -> None:
    original = Original.parse(SEARCH)
    (site,) = [s for s in original.sites if s.kind == STMT and s.line == 2]
    assert original.apply([Edit("return_end", site.index, ("len(seq)",))]) is not None
    assert original.apply([Edit("return_end", site.index, (value,))]) is None
