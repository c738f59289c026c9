"""Indexes, bounds and slices."""

from __future__ import annotations

import random

from edit_kit import lines_changed, outcomes, program, repairs, site_at

from petri.program.edits import Edit, Original
from petri.program.operators import OPERATORS


def test_index_shift_on_indexes_bounds_and_comparisons() -> None:
    source = program(
        """
        def f(xs, i, n):
            for k in range(1, n):
                if k < n:
                    return xs[i] + xs[n - 1] + xs[-1]
        """
    )
    shifted = {
        code: {args[0]: lines_changed(source, out)[0] for args, out in results.items()}
        for code in ("1", "i", "n - 1", "-1")
        for results in [outcomes(source, "index_shift", "bound", code)]
    }
    assert shifted["1"] == {1: "for k in range(2, n):", -1: "for k in range(0, n):"}
    assert shifted["i"] == {
        1: "return xs[i + 1] + xs[n - 1] + xs[-1]",
        -1: "return xs[i - 1] + xs[n - 1] + xs[-1]",
    }
    assert shifted["n - 1"] == {
        1: "return xs[i] + xs[n] + xs[-1]",
        -1: "return xs[i] + xs[n - 2] + xs[-1]",
    }
    assert shifted["-1"] == {
        1: "return xs[i] + xs[n - 1] + xs[0]",
        -1: "return xs[i] + xs[n - 1] + xs[-2]",
    }


def test_index_shift_on_a_comparison_operand() -> None:
    source = "def f(i, n):\n    return i < n\n"
    results = outcomes(source, "index_shift", "bound", "n")
    assert results[(1,)] == "def f(i, n):\n    return i < n + 1\n"


def test_slice_insert_drops_the_first_or_last_item_or_reverses() -> None:
    source = "def f(items):\n    return len(items)\n"
    assert outcomes(source, "slice_insert", "expr", "items") == {
        ("1:",): "def f(items):\n    return len(items[1:])\n",
        (":-1",): "def f(items):\n    return len(items[:-1])\n",
        ("::-1",): "def f(items):\n    return len(items[::-1])\n",
    }


def test_slice_insert_repairs_a_missing_reversal() -> None:
    buggy = "def is_palindrome(word):\n    return word == word\n"
    site = "word"  # the first one: either side reversed is the repair
    buggy = buggy.replace("word == word", "word == word.lower()")
    fixed = repairs(
        buggy,
        "slice_insert",
        "expr",
        site,
        lambda ns: ns["is_palindrome"]("abba") > ns["is_palindrome"]("ab"),
    )
    assert fixed == ["return word == word[::-1].lower()"]


def test_subscript_change_turns_an_index_into_a_slice_and_back() -> None:
    source = "def f(xs, i, j):\n    return xs[i] + xs[i:j:2] + xs[:j]\n"
    index = outcomes(source, "subscript_change", "expr", "xs[i]")
    assert {args: lines_changed(source, out)[0] for args, out in index.items()} == {
        ("from",): "return xs[i:] + xs[i:j:2] + xs[:j]",
        ("to",): "return xs[:i] + xs[i:j:2] + xs[:j]",
    }
    full = outcomes(source, "subscript_change", "expr", "xs[i:j:2]")
    assert {args: lines_changed(source, out)[0] for args, out in full.items()} == {
        ("lower",): "return xs[i] + xs[:j:2] + xs[:j]",
        ("upper",): "return xs[i] + xs[i::2] + xs[:j]",
        ("step",): "return xs[i] + xs[i:j:] + xs[:j]",
    }
    one_bound = outcomes(source, "subscript_change", "expr", "xs[:j]")
    assert {args: lines_changed(source, out)[0] for args, out in one_bound.items()} == {
        ("upper",): "return xs[i] + xs[i:j:2] + xs[:]",
        ("index",): "return xs[i] + xs[i:j:2] + xs[j]",
    }


def test_subscript_change_takes_one_index_or_slice() -> None:
    original = Original.parse("y = grid[r, c] + grid[(r, c)]\n")
    pair = site_at(original, "expr", "grid[r, c]")
    assert OPERATORS["subscript_change"](original, pair, random.Random(0)) is None
    packed = site_at(original, "expr", "grid[(r, c)]")
    edit = Edit("subscript_change", packed.index, ("from",))
    assert original.apply([edit]) == "y = grid[r, c] + grid[(r, c):]\n"


def test_subscript_change_repairs_a_slice_bound_and_an_index() -> None:
    rest = "def tail(xs):\n    return xs[1:-1]\n"
    fixed = repairs(
        rest, "subscript_change", "expr", "xs[1:-1]", lambda ns: ns["tail"]([1, 2, 3]) == [2, 3]
    )
    assert fixed == ["return xs[1:]"]
    second = "def second(xs):\n    return xs[1:]\n"
    fixed = repairs(
        second, "subscript_change", "expr", "xs[1:]", lambda ns: ns["second"]([7, 8, 9]) == 8
    )
    assert fixed == ["return xs[1]"]


def test_index_add_takes_an_item_the_program_indexes_or_a_common_one() -> None:
    source = "def f(row, rows):\n    return row + rows[2]\n"
    added = outcomes(source, "index_add", "expr", "row")
    assert {args: lines_changed(source, out)[0] for args, out in added.items()} == {
        (-1,): "return row[-1] + rows[2]",
        (0,): "return row[0] + rows[2]",
        (1,): "return row[1] + rows[2]",
        (2,): "return row[2] + rows[2]",  # the program indexes with 2
    }
    original = Original.parse(source)
    other = Original.parse("x = 3 + f(1) + xs[0]\n")
    for code in ("3", "f(1)", "xs[0]"):  # a constant, a call, a subscript take no index
        assert OPERATORS["index_add"](other, site_at(other, "expr", code), random.Random(0)) is None
    assert original.lexicon.indexes == (2,)


def test_index_add_repairs_a_comparison_of_whole_records() -> None:
    """``pair > best`` compares names first; the ages were meant (the echo adds the second)."""
    buggy = program(
        """
        def oldest(people):
            best = people[0]
            for pair in people:
                if pair > best[1]:
                    best = pair
            return best
        """
    )
    fixed = repairs(
        buggy,
        "index_add",
        "bound",
        "pair",
        lambda ns: ns["oldest"]([("ann", 30), ("bob", 70), ("cy", 50)]) == ("bob", 70),
    )
    assert fixed == ["if pair[-1] > best[1]:", "if pair[1] > best[1]:"]


def test_index_drop_uses_the_value_itself() -> None:
    source = "def f(pairs, i):\n    return pairs[i] + pairs[1:]\n"
    dropped = outcomes(source, "index_drop", "expr", "pairs[i]")
    changed = [lines_changed(source, out)[0] for out in dropped.values()]
    assert changed == ["return pairs + pairs[1:]"]
    original = Original.parse(source)
    sliced = site_at(original, "expr", "pairs[1:]")
    assert OPERATORS["index_drop"](original, sliced, random.Random(0)) is None
    assert original.apply([Edit("index_drop", sliced.index)]) is None  # a slice is no index
