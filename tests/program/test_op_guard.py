"""A guard for the input a function's body does not handle."""

from __future__ import annotations

import random

from edit_kit import outcomes, program, repairs, site_at

from petri.program.edits import Original
from petri.program.op_guard import GUARD_VALUES
from petri.program.operators import OPERATORS

FIRST = program(
    '''
    def first(xs, default=0):
        """The first item."""
        head = xs[0]
        return head
    '''
)


def test_guard_add_returns_a_constant_before_the_first_statement() -> None:
    guarded = outcomes(FIRST, "guard_add", "stmt", "head = xs[0]")
    # ``first`` returns no literal: any of GUARD_VALUES, never ``xs`` itself (the caller's list).
    assert set(guarded) == {("xs", value) for value in GUARD_VALUES}
    assert guarded[("xs", "[]")] == program(
        '''
        def first(xs, default=0):
            """The first item."""
            if not xs:
                return []
            head = xs[0]
            return head
        '''
    )


def test_guard_add_returns_what_its_function_returns_elsewhere() -> None:
    source = program(
        """
        def search(x, seq):
            if x < seq[0]:
                return 0
            for i, item in enumerate(seq):
                if x <= item:
                    return i
            return len(seq)
        """
    )
    guarded = outcomes(source, "guard_add", "stmt", "if x < seq[0]:")
    # A search returns positions: ``return 0``, never ``False`` (which passes ``== 0``).
    assert set(guarded) == {("x", "0"), ("seq", "0")}


def test_guard_add_only_opens_a_body_and_only_tests_required_parameters() -> None:
    original = Original.parse(FIRST)
    later = site_at(original, "stmt", "return head")
    assert OPERATORS["guard_add"](original, later, random.Random(0)) is None
    method = Original.parse("class C:\n    def f(self):\n        return 1\n")
    opener = site_at(method, "stmt", "return 1")  # ``self`` is no input to guard
    assert OPERATORS["guard_add"](method, opener, random.Random(0)) is None
    nested = Original.parse("def f(xs):\n    def g():\n        return xs\n    return g()\n")
    inner = site_at(nested, "stmt", "return xs")  # g takes nothing; f opens with a def
    assert OPERATORS["guard_add"](nested, inner, random.Random(0)) is None


def test_guard_add_repairs_a_body_that_fails_on_the_empty_input() -> None:
    buggy = program(
        """
        def oldest_first(people):
            ordered = [people[0]]
            for person in people[1:]:
                ordered.append(person)
            return sorted(ordered, key=lambda p: -p[1])
        """
    )

    def check(ns: dict[str, object]) -> bool:
        sort = ns["oldest_first"]
        assert callable(sort)
        return bool(sort([]) == [] and sort([("a", 1), ("b", 2)]) == [("b", 2), ("a", 1)])

    fixed = repairs(buggy, "guard_add", "stmt", "ordered = [people[0]]", check)
    assert fixed == ["if not people:", "return []"]
