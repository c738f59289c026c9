"""``loop_step``: the missing step of a ``while`` loop."""

from __future__ import annotations

import random

from edit_kit import behaviour, lines_changed, outcomes, program, site_at

from petri.program.edits import Edit, Original
from petri.program.operators import OPERATORS

DEDUPE = program(
    """
    def dedupe(xs):
        i = 0
        while i < len(xs):
            j = i + 1
            while j < len(xs):
                if xs[i] == xs[j]:
                    xs = xs[:j] + xs[j + 1 :]
                else:
                    j += 1
        return xs
    """
)


def test_loop_step_steps_a_name_the_condition_reads_and_the_body_never_assigns() -> None:
    # xs is assigned in the body and len is called: only i is left to step.
    found = outcomes(DEDUPE, "loop_step", "stmt", "while i < len(xs):")
    assert set(found) == {("i", "+"), ("i", "-")}
    assert "        i += 1\n    return xs" in found[("i", "+")]
    assert "        i -= 1\n    return xs" in found[("i", "-")]


def test_loop_step_repairs_a_loop_that_never_ends() -> None:
    # Only the repaired program runs here: the buggy one, and the one stepping down, never stop.
    fixed = outcomes(DEDUPE, "loop_step", "stmt", "while i < len(xs):")[("i", "+")]
    assert lines_changed(DEDUPE, fixed) == ["i += 1"]
    assert behaviour(fixed, lambda ns: ns["dedupe"]([1, 2, 1, 1]) == [1, 2])


def test_loop_step_leaves_loops_that_step_and_other_statements_alone() -> None:
    original = Original.parse(DEDUPE)
    rng = random.Random(0)
    assert (
        OPERATORS["loop_step"](original, site_at(original, "stmt", "while j < len(xs):"), rng)
        is None
    )
    assert OPERATORS["loop_step"](original, site_at(original, "stmt", "i = 0"), rng) is None
    forever = Original.parse("def f():\n    while True:\n        pass\n")
    assert OPERATORS["loop_step"](forever, site_at(forever, "stmt", "while True:"), rng) is None


def test_a_step_that_no_longer_fits_gives_none() -> None:
    original = Original.parse(DEDUPE)
    loop = site_at(original, "stmt", "while i < len(xs):").index
    assert original.apply([Edit("loop_step", loop, ("i", "*"))]) is None
    assert original.apply([Edit("loop_step", loop, ("not a name", "+"))]) is None
    assert original.apply([Edit("stmt_delete", loop), Edit("loop_step", loop, ("i", "+"))]) is None
