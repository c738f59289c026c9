"""Statements moved one indentation level out of a compound statement, or into one."""

from __future__ import annotations

import random

from edit_kit import outcomes, program, repairs, site_at

from petri.program.edits import Edit, Original
from petri.program.operators import OPERATORS

SEARCH = program(
    """
    def search(x, seq):
        for i in range(len(seq)):
            if x <= seq[i]:
                return i
            else:
                return len(seq)
    """
)

COUNT = program(
    """
    def count(xs):
        n = 0
        for x in xs:
            if x > 0:
                pass
            n += 1
        return n
    """
)


def test_stmt_dedent_moves_the_last_statement_of_a_body_after_its_statement() -> None:
    assert outcomes(SEARCH, "stmt_dedent", "stmt", "if x <= seq[i]:") == {
        ("body",): program(
            """
            def search(x, seq):
                for i in range(len(seq)):
                    if x <= seq[i]:
                        pass
                    else:
                        return len(seq)
                    return i
            """
        ),
        ("orelse",): program(  # an emptied else goes away
            """
            def search(x, seq):
                for i in range(len(seq)):
                    if x <= seq[i]:
                        return i
                    return len(seq)
            """
        ),
    }


def test_two_dedents_take_a_return_out_of_the_else_and_the_loop() -> None:
    original = Original.parse(SEARCH)
    inner = Edit("stmt_dedent", site_at(original, "stmt", "if x <= seq[i]:").index, ("orelse",))
    outer = Edit(
        "stmt_dedent", site_at(original, "stmt", "for i in range(len(seq)):").index, ("body",)
    )
    assert original.apply([inner, outer]) == program(
        """
        def search(x, seq):
            for i in range(len(seq)):
                if x <= seq[i]:
                    return i
            return len(seq)
        """
    )


def test_stmt_indent_moves_the_next_statement_to_the_end_of_the_body() -> None:
    assert outcomes(COUNT, "stmt_indent", "stmt", "if x > 0:") == {
        ("body",): program(
            """
            def count(xs):
                n = 0
                for x in xs:
                    if x > 0:
                        pass
                        n += 1
                return n
            """
        )
    }


def test_stmt_indent_repairs_a_count_outside_its_condition() -> None:
    assert repairs(
        COUNT, "stmt_indent", "stmt", "if x > 0:", lambda ns: ns["count"]([1, -1]) == 1
    ) == ["n += 1"]


def test_neither_applies_to_a_simple_statement_or_a_last_compound_statement() -> None:
    original = Original.parse(COUNT)
    rng = random.Random(0)
    simple = site_at(original, "stmt", "n = 0")
    assert OPERATORS["stmt_dedent"](original, simple, rng) is None
    assert OPERATORS["stmt_indent"](original, simple, rng) is None
    last = Original.parse("def f(xs):\n    for x in xs:\n        print(x)\n")
    loop = site_at(last, "stmt", "for x in xs:")
    assert OPERATORS["stmt_indent"](last, loop, rng) is None
    assert OPERATORS["stmt_dedent"](last, loop, rng) == Edit("stmt_dedent", loop.index, ("body",))


def test_an_edit_that_no_longer_fits_gives_none() -> None:
    original = Original.parse(COUNT)
    loop = site_at(original, "stmt", "for x in xs:").index
    assert original.apply([Edit("stmt_dedent", loop, ("orelse",))]) is None  # no else
    deleted = Edit("stmt_delete", loop)
    assert original.apply([deleted, Edit("stmt_dedent", loop, ("body",))]) is None
