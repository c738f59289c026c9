"""Added around or after a value: guards, builtins, lists and tuples, attributes, methods."""

from __future__ import annotations

import random

from edit_kit import first_line, lines_changed, outcomes, program, repairs, site_at, sites_at

from petri.program.edits import Edit, Original
from petri.program.op_wrap import BUILTINS, wrap
from petri.program.operators import OPERATORS


def test_wrap_guards_numbers_with_data_names_and_negates_conditions() -> None:
    source = "def f(x, y):\n    if x:\n        return x - y\n"
    numeric = outcomes(source, "wrap", "expr", "x - y")
    assert {args: lines_changed(source, out)[0] for args, out in numeric.items()} == {
        ("abs",): "return abs(x - y)",
        ("max", "0"): "return max(0, x - y)",
        ("max", "x"): "return max(x, x - y)",
        ("max", "y"): "return max(y, x - y)",
        ("min", "x"): "return min(x - y, x)",
        ("min", "y"): "return min(x - y, y)",
    }
    assert outcomes(source, "wrap", "cond", "x") == {
        ("not",): "def f(x, y):\n    if not x:\n        return x - y\n"
    }


def test_wrap_neither_guards_a_container_nor_guards_with_one() -> None:
    source = program(
        """
        import math

        def f(xs, n):
            out = []
            pair = ()
            for x in xs:
                out += out + x
            return n - x
        """
    )
    original = Original.parse(source)
    for container in ("out + x", "out"):
        site = site_at(original, "expr", container)
        assert all(wrap(original, site, random.Random(seed)) is None for seed in range(50))
    guards = outcomes(source, "wrap", "expr", "n - x")
    # neither the containers out and pair, nor the module math, nor the function f
    assert {args[1] for args in guards if len(args) > 1} == {"0", "n", "x", "xs"}


def test_wrap_keeps_parentheses_and_precedence() -> None:
    original = Original.parse("def f(a, b):\n    return (a or b) and a\n")
    site = site_at(original, "cond", "(a or b)")
    assert original.apply([Edit("wrap", site.index, ("not",))]) == (
        "def f(a, b):\n    return (not (a or b)) and a\n"
    )


def test_call_wrap_puts_a_builtin_the_program_does_not_rebind_around_a_value() -> None:
    source = "def f(xs, list):\n    return range(xs)\n"
    results = outcomes(source, "call_wrap", "bound", "xs")
    assert {args[0] for args in results} == set(BUILTINS) - {"list"}
    assert results[("len",)] == "def f(xs, list):\n    return range(len(xs))\n"


def test_call_wrap_puts_around_a_container_only_what_takes_one() -> None:
    source = "def f(xs):\n    seen = {x for x in xs}\n    return seen | {0}\n"
    assert {args[0] for args in outcomes(source, "call_wrap", "expr", "seen | {0}")} == {
        "bool", "len", "list", "set", "sorted", "sum", "tuple"
    }  # fmt: skip


def test_call_wrap_repairs_a_missing_len() -> None:
    buggy = "def indexes(xs):\n    return list(range(xs))\n"
    check = lambda ns: ns["indexes"]("ab") == [0, 1]  # noqa: E731
    fixed = repairs(buggy, "call_wrap", "bound", "xs", check)
    assert fixed == ["return list(range(len(xs)))"]


def test_box_wraps_a_value_in_a_list_or_a_tuple() -> None:
    source = "def f(a, b):\n    return a, b\n"
    assert outcomes(source, "box", "expr", "a, b") == {
        ("list",): "def f(a, b):\n    return [(a, b)]\n",
        ("tuple",): "def f(a, b):\n    return ((a, b),)\n",
    }


def test_box_puts_no_tuple_where_it_would_read_as_context_managers() -> None:
    source = "def f(lock):\n    with lock:\n        pass\n"
    assert outcomes(source, "box", "expr", "lock") == {
        ("list",): "def f(lock):\n    with [lock]:\n        pass\n"
    }
    original = Original.parse(source)
    site = site_at(original, "expr", "lock")
    assert original.apply([Edit("box", site.index, ("tuple",))]) is None


def test_box_repairs_a_value_that_should_be_a_list() -> None:
    buggy = program(
        """
        def chunks(xs):
            if len(xs) < 3:
                return xs
            return [xs[:2], *chunks(xs[2:])]
        """
    )
    check = lambda ns: ns["chunks"]([1, 2, 3]) == [[1, 2], [3]]  # noqa: E731
    assert "return [xs]" in repairs(buggy, "box", "expr", "xs", check)


def test_attr_add_reads_an_attribute_the_program_uses() -> None:
    buggy = program(
        """
        class Node:
            def __init__(self, value, next=None):
                self.value, self.next = value, next


        def total(node):
            return node.value + (total(node) if node.next else 0)
        """
    )
    check = lambda ns: ns["total"](ns["Node"](1, ns["Node"](2))) == 3  # noqa: E731
    assert repairs(buggy, "attr_add", "expr", "node", check) == [
        "return node.value + (total(node.next) if node.next else 0)"
    ]


def test_method_add_calls_a_method_the_program_uses_or_a_common_one() -> None:
    source = "def f(line, d):\n    return line.upper(), d\n"
    results = outcomes(source, "method_add", "expr", "d")
    assert {args[0] for args in results} == {"copy", "items", "lower", "strip", "upper"}
    assert results[("items",)] == "def f(line, d):\n    return line.upper(), d.items()\n"


def test_method_add_repairs_an_unstripped_line() -> None:
    buggy = "def fields(line):\n    return line.split(',')\n"
    check = lambda ns: ns["fields"]("a,b\n") == ["a", "b"]  # noqa: E731
    assert repairs(buggy, "method_add", "expr", "line", check) == ["return line.strip().split(',')"]


def test_element_add_appends_a_name_to_a_list_tuple_or_set() -> None:
    source = "def f(a, b):\n    return [a], (a,), {a}, ()\n"
    assert outcomes(source, "element_add", "expr", "[a]")[("b",)].endswith(
        "[a, b], (a,), {a}, ()\n"
    )
    assert outcomes(source, "element_add", "expr", "(a,)")[("b",)].endswith(
        "[a], (a, b), {a}, ()\n"
    )
    assert outcomes(source, "element_add", "expr", "()")[("b",)].endswith("[a], (a,), {a}, (b,)\n")


def test_element_add_repairs_a_missing_element() -> None:
    buggy = "def span(lo, hi):\n    return (lo,)\n"
    check = lambda ns: ns["span"](1, 5) == (1, 5)  # noqa: E731
    assert repairs(buggy, "element_add", "expr", "(lo,)", check) == ["return (lo, hi)"]


THROWN = "def f(xs, n):\n    xs.sort()\n    xs\n    -n\n    [n]\n    return xs\n"


def test_nothing_is_added_around_a_value_thrown_away() -> None:
    original = Original.parse(THROWN)
    around = ("attr_add", "box", "call_wrap", "element_add", "index_add", "slice_insert")
    thrown = [s for s in original.sites if original.info[s.index].discarded]
    assert [first_line(original, s) for s in thrown] == ["xs.sort()", "xs", "-n", "[n]"]
    for site in thrown:
        for op in (*around, "unary_swap", "wrap"):
            edits = {OPERATORS[op](original, site, random.Random(seed)) for seed in range(30)}
            assert edits == {None}, (op, first_line(original, site))
    # the same value where it is read takes them
    (read,) = [s for s in sites_at(original, "expr", "xs") if s.line == 6]
    assert OPERATORS["box"](original, read, random.Random(0)) is not None


def test_method_add_changes_a_name_thrown_away_but_not_a_call_result() -> None:
    original = Original.parse(THROWN)
    name = next(s for s in sites_at(original, "expr", "xs") if original.info[s.index].discarded)
    assert OPERATORS["method_add"](original, name, random.Random(0)) is not None  # xs.sort()
    call = site_at(original, "expr", "xs.sort()")
    assert OPERATORS["method_add"](original, call, random.Random(0)) is None  # .sort().copy()
