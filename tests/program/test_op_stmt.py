"""Statement operators: delete, insert, replace, swap, new short statements."""

from __future__ import annotations

import random
from collections import Counter

from edit_kit import outcomes, program, site_at

from petri.program.edits import Original
from petri.program.operators import OPERATORS

BUMP = program(
    """
    def bump(a):
        a = a + 1
        return a
    """
)


def test_stmt_delete_removes_a_statement_or_leaves_pass() -> None:
    assert outcomes(BUMP, "stmt_delete", "stmt", "a = a + 1") == {
        (): "def bump(a):\n    return a\n"
    }
    lonely = "def f(x):\n    # say it\n    return x\n"
    assert outcomes(lonely, "stmt_delete", "stmt", "return x") == {
        (): "def f(x):\n    # say it\n    pass\n"
    }


def test_stmt_insert_copies_a_statement_before_or_after() -> None:
    original = Original.parse(BUMP)
    donor = site_at(original, "stmt", "a = a + 1").index
    assert outcomes(BUMP, "stmt_insert", "stmt", "return a") == {
        (donor, "before"): "def bump(a):\n    a = a + 1\n    a = a + 1\n    return a\n",
        (donor, "after"): "def bump(a):\n    a = a + 1\n    return a\n    a = a + 1\n",
    }


def test_stmt_replace_puts_another_statement_in_place() -> None:
    original = Original.parse(BUMP)
    donor = site_at(original, "stmt", "return a").index
    assert outcomes(BUMP, "stmt_replace", "stmt", "a = a + 1") == {
        (donor,): "def bump(a):\n    return a\n    return a\n"
    }


def test_stmt_swap_exchanges_statements_of_one_block() -> None:
    original = Original.parse(BUMP)
    other = site_at(original, "stmt", "return a").index
    assert outcomes(BUMP, "stmt_swap", "stmt", "a = a + 1") == {
        (other,): "def bump(a):\n    return a\n    a = a + 1\n"
    }


def test_stmt_new_builds_short_statements_from_names_in_scope() -> None:
    results = outcomes(BUMP, "stmt_new", "stmt", "a = a + 1")
    assert results == {
        ("return", "before", "a"): "def bump(a):\n    return a\n    a = a + 1\n    return a\n",
        ("return", "after", "a"): "def bump(a):\n    a = a + 1\n    return a\n    return a\n",
    }  # one data name (bump is the function): nothing to pair it with


DEDUPE = program(
    """
    import os


    def unique(items, key):
        seen = set()
        out = []
        for item in items:
            marker = key(item)
            if marker not in seen:
                out.append(item)
        return out
    """
)


def test_stmt_new_adds_to_sets_and_appends_to_lists() -> None:
    results = outcomes(DEDUPE, "stmt_new", "stmt", "out.append(item)")
    receivers = {template: {args[2] for args in results if args[0] == template}
                 for template in ("add", "append")}  # fmt: skip
    assert receivers == {"add": {"seen"}, "append": {"out"}}
    added = {args[3] for args in results if args[0] == "add"}
    assert added == {"marker"}  # what the program tests for membership in seen
    assert ("append", "after", "out", "item") in results
    used = {name for args in results for name in args[2:]}
    assert used <= {"items", "key", "seen", "out", "item", "marker"}  # never os or unique
    assert "    seen.add(marker)\n" in results[("add", "after", "seen", "marker")]


def test_stmt_new_appends_mostly_to_a_list_nothing_fills() -> None:
    source = program(
        """
        def topo(graph):
            ready = sorted(graph)
            order = []
            while ready:
                node = ready.pop(0)
            return order
        """
    )
    original = Original.parse(source)
    site = site_at(original, "stmt", "node = ready.pop(0)")
    edits = [OPERATORS["stmt_new"](original, site, random.Random(seed)) for seed in range(400)]
    receivers = Counter(e.args[2] for e in edits if e is not None and e.args[0] == "append")
    # order is never filled (no method is called on it), ready is: order gets IDLE_RATE more.
    assert receivers["order"] > 2 * receivers["ready"] > 0


def test_stmt_new_offers_return_only_inside_a_function() -> None:
    results = outcomes("x = 1\ny = x\n", "stmt_new", "stmt", "y = x")
    assert {args[0] for args in results} == {"add", "append", "assign"}
