"""Statements at the end of a block inside a loop, moved to just after the loop."""

from __future__ import annotations

import random

from edit_kit import outcomes, program, repairs, site_at

from petri.program.edits import Edit, Original
from petri.program.operators import OPERATORS

CONTAINS = program(
    """
    def contains(month, days):
        for day in days:
            if day[0] == month:
                if day[1] > 0:
                    return True
                else:
                    continue
            else:
                return False
    """
)

TOP = program(
    """
    def top(xs, k):
        out = []
        while xs:
            big = xs[0]
            for x in xs:
                if x > big:
                    big = x
                    xs.remove(big)
                    out.append(big)
        return out[:k]
    """
)


def test_loop_exit_moves_a_return_from_an_else_inside_the_loop_to_after_it() -> None:
    assert repairs(
        CONTAINS,
        "loop_exit",
        "stmt",
        "for day in days:",
        lambda ns: (
            ns["contains"]("May", [("June", 1), ("May", 2)])
            and not ns["contains"]("May", [("June", 1)])
        ),
    ) == ["return False"]


def test_an_emptied_else_goes_away_and_an_emptied_body_holds_pass() -> None:
    found = outcomes(CONTAINS, "loop_exit", "stmt", "for day in days:")
    assert found[(4, 1)] == program(
        """
        def contains(month, days):
            for day in days:
                if day[0] == month:
                    if day[1] > 0:
                        return True
                    else:
                        continue
            return False
        """
    )
    assert found[(2, 1)] == program(
        """
        def contains(month, days):
            for day in days:
                if day[0] == month:
                    if day[1] > 0:
                        pass
                    else:
                        continue
                else:
                    return False
            return True
        """
    )


def test_loop_exit_moves_several_statements_out_of_an_if_in_a_nested_loop() -> None:
    # the for loop is the site: the if's last two statements leave the for, not the while
    # (compared as text: most of TOP's variants never leave the while loop)
    assert outcomes(TOP, "loop_exit", "stmt", "for x in xs:")[(1, 2)] == program(
        """
        def top(xs, k):
            out = []
            while xs:
                big = xs[0]
                for x in xs:
                    if x > big:
                        big = x
                xs.remove(big)
                out.append(big)
            return out[:k]
        """
    )


def test_blocks_in_a_nested_loop_belong_to_that_loop() -> None:
    original = Original.parse(TOP)
    outer = site_at(original, "stmt", "while xs:")
    blocks = {OPERATORS["loop_exit"](original, outer, random.Random(s)) for s in range(100)}
    assert {edit.args[0] for edit in blocks if edit is not None} == {0}


def test_loop_exit_applies_only_at_a_loop_with_an_indented_body() -> None:
    original = Original.parse("def f(xs):\n    for x in xs: print(x)\n    return xs\n")
    rng = random.Random(0)
    assert all(OPERATORS["loop_exit"](original, site, rng) is None for site in original.sites)


def test_a_stale_or_malformed_loop_exit_does_not_fit() -> None:
    original = Original.parse(CONTAINS)
    loop = site_at(original, "stmt", "for day in days:").index
    ret = site_at(original, "stmt", "return True").index
    for args in [(9, 1), (0, 2), (0, 0), ("0", 1), (0,)]:
        assert original.apply([Edit("loop_exit", loop, args)]) is None, args
    assert original.apply([Edit("loop_exit", ret, (0, 1))]) is None
    # the if that held block 1 is gone, so block 1 is now another one
    delete = Edit("stmt_delete", site_at(original, "stmt", "if day[1] > 0:").index)
    assert original.apply([delete, Edit("loop_exit", loop, (3, 1))]) is None
