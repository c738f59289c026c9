"""A word for another: names, constants, attributes."""

from __future__ import annotations

import random
from typing import Any

from edit_kit import CLAMP, lines_changed, outcomes, program, repairs

from petri.program.edits import Original
from petri.program.operators import OPERATORS
from petri.program.sites import Site


def test_name_replace_uses_other_names_in_scope() -> None:
    results = outcomes(CLAMP, "name_replace", "expr", "value")
    assert {args: lines_changed(CLAMP, out) for args, out in results.items()} == {
        ("LIMIT",): ["return min(LIMIT, high)"],
        ("high",): ["return min(high, high)"],
        ("low",): ["return min(low, high)"],
    }  # a data name becomes another data name, never the function clamp


def test_name_replace_of_a_function_picks_another_function() -> None:
    results = outcomes(CLAMP, "name_replace", "callee", "min")
    assert set(results) == {("clamp",), ("max",)}  # never a data name: value(...) only raises


def test_name_replace_never_calls_a_data_name_that_hides_a_builtin() -> None:
    source = "def f(xs):\n    list = [x for x in xs]\n    return tuple(list)\n"
    results = outcomes(source, "name_replace", "callee", "tuple")
    assert set(results) == {("f",), ("set",), ("sorted",)}  # ``list`` is data here


def test_name_replace_repairs_a_wrong_builtin() -> None:
    buggy = "def largest(xs):\n    return min(xs)\n"
    check = lambda ns: ns["largest"]([3, 1, 2]) == 3  # noqa: E731
    assert repairs(buggy, "name_replace", "callee", "min", check) == ["return max(xs)"]


def _site(original: Original, line: int, name: str) -> Site:
    (site,) = [s for s in original.sites if s.line == line and getattr(s.node, "value", "") == name]
    return site


def _draws(original: Original, site: Site) -> list[str]:
    """The names 400 seeded draws of ``name_replace`` at ``site`` put in."""
    rng = random.Random(0)
    drawn = [OPERATORS["name_replace"](original, site, rng) for _ in range(400)]
    return [str(edit.args[0]) for edit in drawn if edit is not None]


def test_name_replace_favours_a_name_bound_beside_it() -> None:
    source = (
        "def trace(via, stop, origin):\n"
        "    total = 0\n"
        "    while stop != origin:\n"
        "        first, last = via[stop]\n"
        "        total += 1\n"
        "        stop = last.origin\n"
        "    return total\n"
    )
    original = Original.parse(source)
    site = _site(original, 6, "last")
    assert ("first", "last") in site.pairs and ("last", "first") in site.pairs
    picks = _draws(original, site)
    # half the draws go to "first"; the rest spread over the other five data names
    assert 0.45 < picks.count("first") / len(picks) < 0.7
    assert {"via", "stop", "origin", "total"} <= set(picks)


UNBOUND = (
    "def unique_day(date, birthdays):\n"
    "    count = 0\n"
    "    for birthday in birthdays:\n"
    "        if birthday[1] == day:\n"
    "            count += 1\n"
    "    return count == len(birthdays)\n"
)


def test_name_replace_of_a_name_bound_nowhere_favours_the_one_spelled_like_it() -> None:
    original = Original.parse(UNBOUND)
    picks = _draws(original, _site(original, 4, "day"))
    # half the draws go to "date"; the rest spread over every data name in scope
    assert 0.5 < picks.count("date") / len(picks) < 0.75
    assert set(picks) == {"date", "birthdays", "count", "birthday"}  # never the function


def test_name_replace_of_a_name_bound_nowhere_favours_a_name_never_read() -> None:
    # A copy of unique_day's loop in unique_month, still reading day: month is the parameter
    # the function binds and never reads, though "birthdays" is spelled more like "day".
    source = UNBOUND.replace("unique_day(date", "unique_month(month").replace("[1]", "[0]")
    original = Original.parse(source)
    site = _site(original, 4, "day")
    assert site.unread == ("month",)
    picks = _draws(original, site)
    assert 0.5 < picks.count("month") / len(picks) < 0.75
    assert set(picks) == {"month", "birthdays", "count", "birthday"}


def test_name_replace_of_a_name_bound_nowhere_that_is_called_may_be_a_function() -> None:
    original = Original.parse(
        "def double(x):\n    return 2 * x\n\n\ndef f(y):\n    return dubble(y)\n"
    )
    assert "double" in _draws(original, _site(original, 6, "dubble"))


def test_name_replace_of_a_builtin_favours_no_name() -> None:
    original = Original.parse(UNBOUND)
    picks = _draws(original, _site(original, 6, "len"))  # read without a binding, and right
    assert set(picks) == {"unique_day", "sum"}  # not "lent" to the spelling likeness
    assert 0.35 < picks.count("sum") / len(picks) < 0.65


def test_name_replace_repairs_a_parameter_read_by_another_name() -> None:
    def check(ns: dict[str, Any]) -> bool:
        day = ns["unique_day"]
        return bool(day("1", [("May", "1")])) and not day("1", [("May", "2")])

    assert repairs(UNBOUND, "name_replace", "bound", "day", check) == ["if birthday[1] == date:"]


def test_name_replace_skips_constants() -> None:
    original = Original.parse("flag = True\n")
    (site,) = [s for s in original.sites if s.kind == "expr"]
    assert OPERATORS["name_replace"](original, site, random.Random(0)) is None


def test_const_replace_offers_the_usual_constants_and_plus_minus_one() -> None:
    source = "def f(count):\n    return count > 0\n"
    results = outcomes(source, "const_replace", "bound", "0")
    assert {args[0]: lines_changed(source, out)[0] for args, out in results.items()} == {
        "True": "return count > True",
        "False": "return count > False",
        "None": "return count > None",
        "1": "return count > 1",
        "[]": "return count > []",
        "-1": "return count > -1",
        "0.0": "return count > 0.0",
    }


def test_const_replace_on_floats_and_booleans() -> None:
    source = "rate = 0.5\nloop = True\n"
    rates = outcomes(source, "const_replace", "expr", "0.5")
    assert rates[("1.5",)] == "rate = 1.5\nloop = True\n"
    assert rates[("-0.5",)] == "rate = -0.5\nloop = True\n"
    assert set(outcomes(source, "const_replace", "expr", "True")) == {
        ("False",),
        ("None",),
        ("0",),
        ("1",),
        ("[]",),
    }
    assert ("0",) in rates  # from the usual set: 0.5 is no integer
    assert outcomes("n = 2.0\n", "const_replace", "expr", "2.0")[("2",)] == "n = 2\n"


def test_const_replace_repairs_a_boolean_and_a_number() -> None:
    flag = "def sort_desc(xs):\n    return sorted(xs, reverse=False)\n"
    descending = repairs(
        flag, "const_replace", "expr", "False", lambda ns: ns["sort_desc"]([1, 3, 2]) == [3, 2, 1]
    )
    assert "return sorted(xs, reverse=True)" in descending  # or reverse=1
    last = "def last_index(xs):\n    return len(xs) - 2\n"
    fixed = repairs(last, "const_replace", "expr", "2", lambda ns: ns["last_index"]("abc") == 2)
    assert "return len(xs) - 1" in fixed


def test_const_replace_takes_an_empty_tuple_or_list_for_a_constant() -> None:
    source = "def f(seq):\n    if seq == ():\n        return ()\n    return [], (())\n"
    answers = outcomes(source, "const_replace", "expr", "()")
    assert lines_changed(source, answers[("0",)]) == ["return 0"]  # not (0): () was the tuple
    assert ("()",) not in answers
    assert lines_changed(source, outcomes(source, "const_replace", "expr", "[]")[("0",)]) == [
        "return 0, (())"
    ]
    nested = outcomes(source, "const_replace", "expr", "(())")
    assert lines_changed(source, nested[("None",)]) == ["return [], (None)"]  # one pair stays


def test_const_replace_repairs_an_empty_tuple_returned_for_a_number() -> None:
    buggy = program(
        """
        def search(x, seq):
            if not seq:
                return ()
            for i, elem in enumerate(seq):
                if x <= elem:
                    return i
            return i + 1
        """
    )
    check = lambda ns: [ns["search"](5, s) for s in ((), [], (1, 9), (1, 2))] == [0, 0, 1, 2]  # noqa: E731
    assert repairs(buggy, "const_replace", "expr", "()", check) == ["return 0", "return False"]


def test_attr_replace_offers_attributes_read_and_methods_called() -> None:
    source = "def norm(p, v):\n    v.append(p.x)\n    return abs(p.y)\n"
    original = Original.parse(source)
    reads = outcomes(source, "attr_replace", "expr", "p.x")
    assert {args: lines_changed(source, out) for args, out in reads.items()} == {
        ("y",): ["v.append(p.y)"]
    }
    methods = outcomes(source, "attr_replace", "callee", "v.append")
    assert {"extend", "add", "insert", "appendleft"} <= {args[0] for args in methods}
    assert original.lexicon.attributes == ("x", "y")


def test_attr_replace_repairs_a_wrong_method_and_a_wrong_field() -> None:
    lists = "def join(xs, ys):\n    xs.append(ys)\n    return xs\n"
    fixed = repairs(
        lists, "attr_replace", "callee", "xs.append", lambda ns: ns["join"]([1], [2]) == [1, 2]
    )
    assert fixed == ["xs.extend(ys)"]
    fields = program(
        """
        class P:
            def __init__(self, x, y):
                self.x, self.y = x, y


        def height(p):
            return p.x
        """
    )
    fixed = repairs(
        fields, "attr_replace", "expr", "p.x", lambda ns: ns["height"](ns["P"](1, 2)) == 2
    )
    assert fixed == ["return p.y"]
