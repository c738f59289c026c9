"""Calls: arguments swapped, dropped, added, renamed; a call unwrapped."""

from __future__ import annotations

import random

from edit_kit import (
    first_line,
    lines_changed,
    outcomes,
    outcomes_at,
    program,
    repairs,
    site_at,
    sites_at,
)

from petri.program.edits import Original
from petri.program.operators import OPERATORS


def test_arg_swap_exchanges_positional_arguments() -> None:
    source = "def f(base, exp):\n    return pow(base, exp, mod=7)\n"
    assert outcomes(source, "arg_swap", "expr", "pow(base, exp, mod=7)") == {
        (0, 1): "def f(base, exp):\n    return pow(exp, base, mod=7)\n"
    }


def test_arg_drop_removes_one_argument_and_keeps_the_layout() -> None:
    source = program(
        """
        def f(x):
            return round(
                x,
                2,
            )
        """
    )
    results = outcomes(source, "arg_drop", "expr", "round(")
    assert results == {
        (0,): "def f(x):\n    return round(\n        2,\n    )\n",
        (1,): "def f(x):\n    return round(\n        x,\n    )\n",
    }


def test_arg_add_puts_a_name_or_a_small_literal_first_or_last() -> None:
    source = "def f(x, digits):\n    return round(x, key=digits)\n"
    results = outcomes(source, "arg_add", "expr", "round(x, key=digits)")
    assert {args: lines_changed(source, out)[0] for args, out in results.items()} == {
        (0, "0"): "return round(0, x, key=digits)",
        (0, "1"): "return round(1, x, key=digits)",
        (0, "digits"): "return round(digits, x, key=digits)",
        (0, "x"): "return round(x, x, key=digits)",
        (1, "0"): "return round(x, 0, key=digits)",
        (1, "1"): "return round(x, 1, key=digits)",
        (1, "digits"): "return round(x, digits, key=digits)",
        (1, "x"): "return round(x, x, key=digits)",
    }  # never after the keyword argument


def test_arg_add_repairs_a_missing_argument() -> None:
    buggy = "def money(x, places):\n    return round(x)\n"
    check = lambda ns: ns["money"](2.345, 2) == 2.35  # noqa: E731
    assert repairs(buggy, "arg_add", "expr", "round(x)", check) == ["return round(x, places)"]


def test_keyword_replace_uses_keywords_and_parameters_of_the_program() -> None:
    source = program(
        """
        def order(xs, key=None):
            return sorted(xs, reverse=True)
        """
    )
    results = outcomes(source, "keyword_replace", "expr", "sorted(xs, reverse=True)")
    assert {args: lines_changed(source, out)[0] for args, out in results.items()} == {
        (1, "key"): "return sorted(xs, key=True)",
        (1, "xs"): "return sorted(xs, xs=True)",
    }


def test_keyword_replace_repairs_the_wrong_keyword() -> None:
    buggy = program(
        """
        def split(text, sep=",", limit=-1):
            return text.split(sep, maxsplit=1)


        def first_field(line):
            return split(line, sep=1)
        """
    )
    check = lambda ns: ns["first_field"]("a,b,c") == ["a", "b,c"]  # noqa: E731
    assert repairs(buggy, "keyword_replace", "expr", "split(line, sep=1)", check) == [
        "return split(line, limit=1)"
    ]


def test_unwrap_keeps_an_argument_or_the_receiver() -> None:
    source = "def f(s, n):\n    return int(s.strip(), n)\n"
    call = outcomes(source, "unwrap", "expr", "int(s.strip(), n)")
    assert {args: lines_changed(source, out)[0] for args, out in call.items()} == {
        (0,): "return s.strip()",
        (1,): "return n",
    }
    method = outcomes(source, "unwrap", "expr", "s.strip()")
    assert method == {(-1,): "def f(s, n):\n    return int(s, n)\n"}


def test_unwrap_parenthesizes_what_needs_it() -> None:
    source = "def f(xs):\n    return 2 * sum(x for x in xs)\n"
    assert outcomes(source, "unwrap", "expr", "sum(x for x in xs)") == {
        (0,): "def f(xs):\n    return 2 * (x for x in xs)\n"
    }


def test_unwrap_repairs_a_conversion_too_many() -> None:
    buggy = "def halve(x):\n    return int(x / 2)\n"
    assert repairs(buggy, "unwrap", "expr", "int(x / 2)", lambda ns: ns["halve"](3) == 1.5) == [
        "return x / 2"
    ]


def test_inplace_copy_returns_the_copy_where_the_result_is_used() -> None:
    source = program(
        """
        def f(xs, ys):
            back = xs.reverse()
            ys.sort()
            return back + ys.sort(key=abs, reverse=True)
        """
    )
    assert lines_changed(source, outcomes(source, "inplace_copy", "expr", "xs.reverse()")[()]) == [
        "back = xs[::-1]"
    ]
    original = Original.parse(source)
    alone = site_at(original, "expr", "ys.sort()")  # a statement of its own: None is not read
    assert OPERATORS["inplace_copy"](original, alone, random.Random(0)) is None
    keyed = outcomes(source, "inplace_copy", "expr", "ys.sort(key=abs, reverse=True)")[()]
    assert lines_changed(source, keyed) == ["return back + sorted(ys, key=abs, reverse=True)"]
    other = site_at(original, "expr", "back")
    assert OPERATORS["inplace_copy"](original, other, random.Random(0)) is None


def test_inplace_copy_repairs_a_reversed_copy_that_was_none() -> None:
    buggy = program(
        """
        def remove_extras(lst):
            rev_lst = lst.reverse()
            size = len(lst)
            for i in range(size):
                if rev_lst[i] in rev_lst[i + 1:]:
                    lst.pop(size - i - 1)
            return lst
        """
    )
    check = lambda ns: ns["remove_extras"]([1, 5, 1, 1, 3, 2]) == [1, 5, 3, 2]  # noqa: E731
    fixed = repairs(buggy, "inplace_copy", "expr", "lst.reverse()", check)
    assert fixed == ["rev_lst = lst[::-1]"]


def test_keep_order_deduplicates_with_the_dict_that_keeps_order() -> None:
    inside = "def f(xs):\n    return list(set(xs))\n"
    assert outcomes(inside, "keep_order", "expr", "set(xs)") == {
        ("keys",): "def f(xs):\n    return list(dict.fromkeys(xs))\n"
    }
    in_tuple = "def f(xs):\n    return tuple(set(xs))\n"
    assert outcomes(in_tuple, "keep_order", "expr", "set(xs)") == {
        ("keys",): "def f(xs):\n    return tuple(dict.fromkeys(xs))\n"
    }
    bare = "def f(xs):\n    return frozenset(xs)\n"
    assert outcomes(bare, "keep_order", "expr", "frozenset(xs)") == {
        ("list",): "def f(xs):\n    return list(dict.fromkeys(xs))\n"
    }


def test_keep_order_leaves_sets_whose_order_nobody_reads() -> None:
    source = "def f(xs, n):\n    return len(set(xs)), sorted(set(xs)), set(xs, n)\n"
    original = Original.parse(source)
    sets = [site for site in original.sites if first_line(original, site).startswith("set(")]
    assert len(sets) == 3
    assert all(OPERATORS["keep_order"](original, s, random.Random(0)) is None for s in sets)


def test_keep_order_repairs_a_deduplication_that_loses_the_order() -> None:
    buggy = "def remove_extras(lst):\n    return list(set(lst))\n"
    check = lambda ns: ns["remove_extras"]([3, 1, 3, 2, 1]) == [3, 1, 2]  # noqa: E731
    assert repairs(buggy, "keep_order", "expr", "set(lst)", check) == [
        "return list(dict.fromkeys(lst))"
    ]


CALLS = program(
    """
    import os


    class Box:
        def add(self, a, b):
            pass


    def helper(a, b=2):
        return a


    def f(xs, s, box):
        xs.append(1)
        xs.sort(key=abs)
        n = len(xs)
        os.path.join(s)
        box.thing.add(1, 2)
        helper(n)
        return max(xs, n)
    """
)


def _drawn(op: str, line: int) -> set[object]:
    """What 50 seeded draws of ``op`` at the call on ``line`` give (None when it refuses)."""
    original = Original.parse(CALLS)
    (site,) = [s for s in original.sites if s.line == line and type(s.node).__name__ == "Call"]
    rng = random.Random(0)
    drawn = [OPERATORS[op](original, site, rng) for _ in range(50)]
    return {None if edit is None else edit.args for edit in drawn}


def test_arg_drop_keeps_the_arguments_a_callee_needs() -> None:
    assert _drawn("arg_drop", 14) == {None}  # xs.append(1)
    assert _drawn("arg_drop", 15) == {(0,)}  # xs.sort(key=abs): the keyword may go
    assert _drawn("arg_drop", 16) == {None}  # len(xs)
    assert _drawn("arg_drop", 19) == {None}  # helper(n): the program's own, one needed
    assert _drawn("arg_drop", 20) == {(0,), (1,)}  # max(xs, n) takes one or more
    assert _drawn("arg_drop", 17) == {(0,)}  # os.path.join: an import's, unknown
    assert _drawn("arg_drop", 18) == {(0,), (1,)}  # box.thing.add: Box's own add, not set.add


def test_arg_add_adds_only_where_the_callee_takes_one_more() -> None:
    assert _drawn("arg_add", 14) == {None}  # xs.append(1) takes one
    assert _drawn("arg_add", 15) == {None}  # xs.sort(key=abs) takes no positional one
    assert _drawn("arg_add", 16) == {None}  # len(xs)
    assert None not in _drawn("arg_add", 19)  # helper(n, b)
    assert None not in _drawn("arg_add", 20)  # max(xs, n, ...)
    assert None not in _drawn("arg_add", 18)  # Box.add takes two; set.add would take one


# --- call_add, key_add ---------------------------------------------------------------------

UNCALLED = program(
    """
    def days(month, birthdays):
        return [d for m, d in birthdays if m == month]


    def first_day(month, birthdays, dates=None):
        for day in days:
            return day
        return sorted(days)


    def named(days):
        return days
    """
)


def test_call_add_calls_the_function_with_its_parameters_namesakes() -> None:
    original = Original.parse(UNCALLED)
    loop, in_sorted, parameter = sites_at(original, "expr", "days")
    drawn = outcomes_at(original, "call_add", loop)
    assert {args: lines_changed(UNCALLED, out) for args, out in drawn.items()} == {
        ("month", "birthdays"): ["for day in days(month, birthdays):"]
    }
    assert list(outcomes_at(original, "call_add", in_sorted)) == [("month", "birthdays")]
    # A parameter named like the function hides it; a callee is called already.
    assert OPERATORS["call_add"](original, parameter, random.Random(0)) is None
    called = site_at(original, "callee", "sorted")
    assert OPERATORS["call_add"](original, called, random.Random(0)) is None


def test_call_add_draws_a_name_for_a_parameter_nothing_in_scope_spells() -> None:
    source = program(
        """
        def area(width, height):
            return width * height


        def report(w, h):
            return str(area)
        """
    )
    drawn = outcomes(source, "call_add", "expr", "area")
    assert set(drawn) <= {(a, b) for a in ("w", "h") for b in ("w", "h")}
    assert len(drawn) > 1


def test_call_add_repairs_a_call_without_its_parentheses() -> None:
    buggy = program(
        """
        def evens(xs):
            return [x for x in xs if x % 2 == 0]


        def count_evens(xs):
            return len(evens)
        """
    )
    fixed = repairs(
        buggy, "call_add", "expr", "evens", lambda ns: ns["count_evens"]([1, 2, 4]) == 2
    )
    assert fixed == ["return len(evens(xs))"]


def test_key_add_orders_records_by_one_of_their_fields() -> None:
    source = program(
        """
        def oldest(people):
            people.sort()
            return max(people, default=None), sorted(people, reverse=True)
        """
    )
    keyed = outcomes(source, "key_add", "expr", "max(people, default=None)")
    assert {args: lines_changed(source, out) for args, out in keyed.items()} == {
        (i,): [
            f"return max(people, default=None, key=lambda item: item[{i}]), "
            "sorted(people, reverse=True)"
        ]
        for i in (0, 1)
    }
    method = outcomes(source, "key_add", "expr", "people.sort()")
    assert lines_changed(source, method[(1,)]) == ["people.sort(key=lambda item: item[1])"]
    original = Original.parse("def f(xs, ys):\n    return max(xs, key=len), max(xs, ys)\n")
    for code in ("max(xs, key=len)", "max(xs, ys)"):  # keyed already; two values compared
        site = site_at(original, "expr", code)
        assert OPERATORS["key_add"](original, site, random.Random(0)) is None


def test_key_add_keeps_clear_of_the_programs_names_and_its_own_max() -> None:
    source = "def f(item, items):\n    return sorted(items)\n"
    assert (
        "key=lambda item_: item_[1]" in outcomes(source, "key_add", "expr", "sorted(items)")[(1,)]
    )
    shadowed = Original.parse("def f(xs, max):\n    return max(xs)\n")
    site = site_at(shadowed, "expr", "max(xs)")
    assert OPERATORS["key_add"](shadowed, site, random.Random(0)) is None


def test_key_add_repairs_a_maximum_of_records_taken_whole() -> None:
    buggy = program(
        """
        def oldest(people):
            return max(people)
        """
    )
    fixed = repairs(
        buggy,
        "key_add",
        "expr",
        "max(people)",
        lambda ns: ns["oldest"]([("b", 3), ("a", 9)]) == ("a", 9),
    )
    assert fixed == ["return max(people, key=lambda item: item[1])"]


def test_key_add_reads_a_field_from_the_end_only_where_the_program_does() -> None:
    source = "def f(xs):\n    return sorted(xs), xs[-1]\n"
    assert set(outcomes(source, "key_add", "expr", "sorted(xs)")) == {(-1,), (0,), (1,)}
