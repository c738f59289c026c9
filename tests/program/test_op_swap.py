"""Operator swaps: each operator on a small program, the edits and the exact source."""

from __future__ import annotations

import random

import pytest
from edit_kit import lines_changed, outcomes, program, repairs, site_at

from petri.program.edits import Edit, Original
from petri.program.operators import OPERATORS

AREA = program(
    """
    def area(w, h):
        return w * h + 1
    """
)


def test_binop_swap_moves_to_neighbouring_operators() -> None:
    inner = outcomes(AREA, "binop_swap", "expr", "w * h")
    assert {args: lines_changed(AREA, out) for args, out in inner.items()} == {
        ("/",): ["return w / h + 1"],
        ("//",): ["return w // h + 1"],
        ("**",): ["return w ** h + 1"],
    }
    outer = outcomes(AREA, "binop_swap", "expr", "w * h + 1")
    assert outer == {("-",): "def area(w, h):\n    return w * h - 1\n"}


@pytest.mark.parametrize(
    ("source", "code", "token", "expected"),
    [
        ("y = -x * 2\n", "-x * 2", "**", "y = (-x) ** 2\n"),
        ("y = a ^ b & c\n", "b & c", "|", "y = a ^ (b | c)\n"),
        ("y = a * b + c\n", "a * b", "**", "y = a ** b + c\n"),
        ("y = a | b & c\n", "a | b & c", "&", "y = a & (b & c)\n"),
    ],
)
def test_binop_swap_parenthesizes_across_precedence_levels(
    source: str, code: str, token: str, expected: str
) -> None:
    original = Original.parse(source)
    target = site_at(original, "expr", code)
    assert original.apply([Edit("binop_swap", target.index, (token,))]) == expected


def test_cmpop_swap_covers_off_by_one_and_negations() -> None:
    source = program(
        """
        def f(lo, hi, x, seen):
            if lo < hi:
                return x is None or x not in seen
        """
    )
    ordering = outcomes(source, "cmpop_swap", "cond", "lo < hi")
    assert {args: lines_changed(source, out) for args, out in ordering.items()} == {
        (0, "<="): ["if lo <= hi:"],
        (0, ">"): ["if lo > hi:"],
        (0, ">="): ["if lo >= hi:"],
    }
    identity = outcomes(source, "cmpop_swap", "cond", "x is None")
    assert {args: lines_changed(source, out) for args, out in identity.items()} == {
        (0, "is not"): ["return x is not None or x not in seen"],
        (0, "=="): ["return x == None or x not in seen"],
    }
    membership = outcomes(source, "cmpop_swap", "cond", "x not in seen")
    assert lines_changed(source, membership[(0, "in")]) == ["return x is None or x in seen"]


def test_cmpop_swap_picks_one_link_of_a_chain() -> None:
    source = "ok = 0 <= i < n\n"
    chain = outcomes(source, "cmpop_swap", "expr", "0 <= i < n")
    assert chain[(1, "<=")] == "ok = 0 <= i <= n\n"
    assert chain[(0, "<")] == "ok = 0 < i < n\n"
    assert {index for index, _ in chain} == {0, 1}


def test_boolop_swap_turns_and_into_or() -> None:
    source = "def f(ok, ready):\n    return ok and ready\n"
    assert outcomes(source, "boolop_swap", "expr", "ok and ready") == {
        ("or",): "def f(ok, ready):\n    return ok or ready\n"
    }


def test_augop_swap_changes_the_assignment_operator() -> None:
    source = "def f(total, x, flags, mask):\n    total += x\n    flags ^= mask\n"
    assert outcomes(source, "augop_swap", "stmt", "total += x") == {
        (0, "-="): "def f(total, x, flags, mask):\n    total -= x\n    flags ^= mask\n"
    }
    bits = outcomes(source, "augop_swap", "stmt", "flags ^= mask")
    assert {args: lines_changed(source, out) for args, out in bits.items()} == {
        (0, "&="): ["flags &= mask"],
        (0, "|="): ["flags |= mask"],
    }


def test_unary_drop_removes_not_and_minus() -> None:
    source = "def f(done, x):\n    if not done:\n        return -x\n"
    assert outcomes(source, "unary_drop", "cond", "not done") == {
        (): "def f(done, x):\n    if done:\n        return -x\n"
    }
    assert outcomes(source, "unary_drop", "expr", "-x") == {
        (): "def f(done, x):\n    if not done:\n        return x\n"
    }


def test_cmpop_swap_repairs_identity_for_equality() -> None:
    buggy = "def same(a, b):\n    return a is b\n"
    big = [int("1000000"), int("1000000")]  # equal, and two objects
    fixed = repairs(
        buggy, "cmpop_swap", "expr", "a is b", lambda ns: ns["same"](*big) > ns["same"](1, 2)
    )
    assert fixed == ["return a == b"]


def test_unary_swap_changes_the_sign_and_negates_numbers() -> None:
    source = "def f(i, xs):\n    return xs[i] + -i\n"
    signs = outcomes(source, "unary_swap", "expr", "-i")
    assert {args: lines_changed(source, out)[0] for args, out in signs.items()} == {
        ("~",): "return xs[i] + ~i",
        ("+",): "return xs[i] + +i",
    }
    assert outcomes(source, "unary_swap", "bound", "i") == {
        ("-",): "def f(i, xs):\n    return xs[-i] + -i\n"
    }
    negated = outcomes("def f(a, b):\n    return a - b\n", "unary_swap", "expr", "a - b")
    assert negated == {("-",): "def f(a, b):\n    return -(a - b)\n"}


def test_unary_swap_repairs_the_last_index_off_by_one() -> None:
    # ``~i`` is ``-i - 1``: the i-th item from the end.
    buggy = "def from_end(xs, i):\n    return xs[-i]\n"
    fixed = repairs(
        buggy, "unary_swap", "bound", "-i", lambda ns: ns["from_end"]([1, 2, 3], 0) == 3
    )
    assert fixed == ["return xs[~i]"]


def test_operand_drop_keeps_either_operand() -> None:
    inner = outcomes(AREA, "operand_drop", "expr", "w * h")
    assert {args: lines_changed(AREA, out) for args, out in inner.items()} == {
        ("left",): ["return w + 1"],
        ("right",): ["return h + 1"],
    }
    source = "def f(a, b, c):\n    return (a + b) * c\n"
    kept = outcomes(source, "operand_drop", "expr", "(a + b) * c")
    assert kept[("left",)] == "def f(a, b, c):\n    return a + b\n"  # unneeded parentheses go
    assert outcomes(source, "operand_drop", "expr", "(a + b)")[("right",)] == (
        "def f(a, b, c):\n    return (b) * c\n"
    )  # the parentheses of the operation it replaces stay, as in every replacement


def test_operand_drop_repairs_a_term_too_many() -> None:
    buggy = program(
        """
        def dedupe(xs):
            out = []
            for x in xs:
                if x not in out:
                    out += out + [x]
            return out
        """
    )
    check = lambda ns: ns["dedupe"]([1, 1, 2, 3, 2]) == [1, 2, 3]  # noqa: E731
    assert repairs(buggy, "operand_drop", "expr", "out + [x]", check) == ["out += [x]"]


def test_operand_swap_reverses_ordered_operators_only() -> None:
    source = "def f(a, b, xs):\n    return (a - b) ** 2 if b in xs else a + b\n"
    assert lines_changed(source, outcomes(source, "operand_swap", "expr", "(a - b) ** 2")[()]) == [
        "return 2 ** (a - b) if b in xs else a + b"
    ]
    assert lines_changed(source, outcomes(source, "operand_swap", "cond", "b in xs")[()]) == [
        "return (a - b) ** 2 if xs in b else a + b"
    ]
    original = Original.parse(source)
    commutative = site_at(original, "expr", "a + b")
    assert OPERATORS["operand_swap"](original, commutative, random.Random(0)) is None


@pytest.mark.parametrize(
    ("source", "code", "expected"),
    [
        ("y = a - b - c\n", "a - b - c", "y = c - (a - b)\n"),
        ("y = a ** -b\n", "a ** -b", "y = (-b) ** a\n"),
        ("ok = 0 <= i\n", "0 <= i", "ok = i <= 0\n"),
    ],
)
def test_operand_swap_parenthesizes_as_precedence_needs(
    source: str, code: str, expected: str
) -> None:
    original = Original.parse(source)
    kind = "expr"
    target = site_at(original, kind, code)
    assert original.apply([Edit("operand_swap", target.index)]) == expected


def test_operand_swap_repairs_a_subtraction_the_wrong_way_round() -> None:
    buggy = "def elapsed(start, end):\n    return start - end\n"
    fixed = repairs(
        buggy, "operand_swap", "expr", "start - end", lambda ns: ns["elapsed"](2, 5) == 3
    )
    assert fixed == ["return end - start"]
