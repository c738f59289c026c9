"""Every operator on a small program: the edits it proposes and the exact source they give."""

from __future__ import annotations

import random
import textwrap
from collections import Counter

import pytest

from petri.program.edits import Edit, Original
from petri.program.operators import (
    MOVE_LINES,
    OPERATORS,
    SITE_FLOOR,
    STATEMENT_OPS,
    echo,
    move,
    propose,
)
from petri.program.sites import Site


def program(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def site_at(original: Original, kind: str, code: str) -> Site:
    """The one site of ``kind`` whose code (first line, for statements) is ``code``."""
    found = [
        site for site in original.sites if site.kind == kind and first_line(original, site) == code
    ]
    assert len(found) == 1, [original.module.code_for_node(s.node) for s in found]
    return found[0]


def first_line(original: Original, site: Site) -> str:
    code = original.module.code_for_node(site.node)
    return next(line.strip() for line in code.splitlines() if line.strip()[:1] not in ("", "#"))


def outcomes(source: str, op: str, kind: str, code: str) -> dict[tuple[object, ...], str]:
    """What ``op`` does at the site, over many seeds: edit args -> the edited source."""
    original = Original.parse(source)
    site = site_at(original, kind, code)
    results: dict[tuple[object, ...], str] = {}
    for seed in range(150):
        edit = OPERATORS[op](original, site, random.Random(seed))
        assert edit is not None
        assert (edit.op, edit.site) == (op, site.index)
        edited = original.apply([edit])
        assert edited is not None, edit
        results[edit.args] = edited
    return results


def lines_changed(before: str, after: str) -> list[str]:
    """The lines of ``after`` that are not in ``before`` (the edit, as a reader sees it)."""
    old = set(before.splitlines())
    return [line.strip() for line in after.splitlines() if line not in old]


def test_registry_is_sorted_and_statement_ops_are_the_classic_baseline() -> None:
    assert list(OPERATORS) == sorted(OPERATORS)
    assert {"stmt_delete", "stmt_insert", "stmt_replace", "stmt_swap"} == STATEMENT_OPS
    assert set(OPERATORS) > STATEMENT_OPS


# --- operator swaps ------------------------------------------------------------------------

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
    assert list(identity) == [(0, "is not")]
    assert lines_changed(source, identity[(0, "is not")]) == [
        "return x is not None or x not in seen"
    ]
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


# --- names and constants -------------------------------------------------------------------

CLAMP = program(
    """
    LIMIT = 10


    def clamp(value, low):
        high = LIMIT
        return min(value, high)
    """
)


def test_name_replace_uses_other_names_in_scope() -> None:
    results = outcomes(CLAMP, "name_replace", "expr", "value")
    assert {args: lines_changed(CLAMP, out) for args, out in results.items()} == {
        ("LIMIT",): ["return min(LIMIT, high)"],
        ("high",): ["return min(high, high)"],
        ("low",): ["return min(low, high)"],
    }  # a data name becomes another data name, never the function clamp


def test_name_replace_of_a_function_may_pick_any_name() -> None:
    results = outcomes(CLAMP, "name_replace", "callee", "min")
    assert ("clamp",) in results
    assert ("value",) in results


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


# --- bounds and slices ---------------------------------------------------------------------


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


def test_slice_insert_drops_the_first_or_last_item() -> None:
    source = "def f(items):\n    return len(items)\n"
    assert outcomes(source, "slice_insert", "expr", "items") == {
        ("1:",): "def f(items):\n    return len(items[1:])\n",
        (":-1",): "def f(items):\n    return len(items[:-1])\n",
    }


# --- calls, wrapping, conditions -----------------------------------------------------------


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


def test_wrap_guards_numbers_and_negates_conditions() -> None:
    source = "def f(x, y):\n    if x:\n        return x - y\n"
    numeric = outcomes(source, "wrap", "expr", "x - y")
    assert {args: lines_changed(source, out)[0] for args, out in numeric.items()} == {
        ("abs",): "return abs(x - y)",
        ("max", "0"): "return max(0, x - y)",
        ("max", "f"): "return max(f, x - y)",
        ("max", "x"): "return max(x, x - y)",
        ("max", "y"): "return max(y, x - y)",
        ("min", "f"): "return min(x - y, f)",
        ("min", "x"): "return min(x - y, x)",
        ("min", "y"): "return min(x - y, y)",
    }
    assert outcomes(source, "wrap", "cond", "x") == {
        ("not",): "def f(x, y):\n    if not x:\n        return x - y\n"
    }


def test_wrap_keeps_parentheses_and_precedence() -> None:
    original = Original.parse("def f(a, b):\n    return (a or b) and a\n")
    site = site_at(original, "cond", "(a or b)")
    assert original.apply([Edit("wrap", site.index, ("not",))]) == (
        "def f(a, b):\n    return (not (a or b)) and a\n"
    )


def test_cond_widen_adds_a_none_or_falsy_guard() -> None:
    source = "def f(x, y):\n    while x > y:\n        x -= 1\n"
    results = outcomes(source, "cond_widen", "cond", "x > y")
    assert {args: lines_changed(source, out)[0] for args, out in results.items()} == {
        ("is None", "f"): "while f is None or x > y:",
        ("is None", "x"): "while x is None or x > y:",
        ("is None", "y"): "while y is None or x > y:",
        ("not", "f"): "while not f or x > y:",
        ("not", "x"): "while not x or x > y:",
        ("not", "y"): "while not y or x > y:",
    }


# --- statements ----------------------------------------------------------------------------

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


# --- echo ----------------------------------------------------------------------------------

PAIRS = program(
    """
    def same(a, b, i, j):
        hit = a[i] == b[j]
        return hit and 0 < j
    """
)


def test_echo_repeats_an_expression_edit_at_its_twin_on_the_line() -> None:
    original = Original.parse(PAIRS)
    first = Edit("index_shift", site_at(original, "bound", "i").index, (-1,))
    twin = echo(original, first, random.Random(0))
    assert twin is not None
    assert (twin.op, twin.args) == (first.op, first.args)
    assert original.sites[twin.site].line == original.sites[first.site].line
    edited = original.apply([first, twin])
    assert edited is not None
    assert lines_changed(PAIRS, edited) == ["hit = a[i - 1] == b[j - 1]"]


def test_echo_has_nothing_to_repeat_without_a_twin_or_for_statement_edits() -> None:
    original = Original.parse(PAIRS)
    alone = Edit("cmpop_swap", site_at(original, "cond", "0 < j").index, (0, "<="))
    assert echo(original, alone, random.Random(0)) is None  # the only comparison of line 3
    statement = Edit("stmt_delete", site_at(original, "stmt", "hit = a[i] == b[j]").index)
    assert echo(original, statement, random.Random(0)) is None


# --- move ----------------------------------------------------------------------------------

RUNS = program(
    """
    def encode(text):
        runs = []
        current, count = text[0], 1
        for ch in text[1:]:
            if ch == current:
                count += 1
            else:
                runs.append((current, count))
                current, count = ch, 1
        return runs
    """
)


def test_move_takes_a_statement_edit_to_another_statement_of_its_block() -> None:
    original = Original.parse(RUNS)
    donor = site_at(original, "stmt", "runs.append((current, count))").index
    early = Edit("stmt_insert", site_at(original, "stmt", "current, count = text[0], 1").index)
    early = Edit(early.op, early.site, (donor, "after"))
    block = original.info[early.site].block
    places = set()
    for seed in range(40):
        moved = move(original, early, random.Random(seed))
        assert moved is not None
        assert (moved.op, moved.args) == (early.op, early.args)
        assert original.info[moved.site].block is block and moved.site != early.site
        places.add(moved.site)
    # Among them: after the loop, where the last run is appended (the right place).
    after_loop = site_at(original, "stmt", "for ch in text[1:]:").index
    assert after_loop in places
    edited = original.apply([Edit("stmt_insert", after_loop, (donor, "after"))])
    assert edited is not None
    assert edited.splitlines()[-2:] == ["    runs.append((current, count))", "    return runs"]


def test_move_takes_an_expression_edit_to_a_like_site_nearby() -> None:
    original = Original.parse(PAIRS)
    first = Edit("index_shift", site_at(original, "bound", "i").index, (-1,))
    moved = move(original, first, random.Random(0))
    assert moved is not None
    assert original.sites[moved.site].kind == "bound"
    assert abs(original.sites[moved.site].line - original.sites[first.site].line) <= MOVE_LINES
    assert moved.site != first.site and original.apply([moved]) is not None


def test_move_has_nowhere_to_go_for_a_lone_site_or_an_unknown_one() -> None:
    original = Original.parse("x = 1\n")
    lone = Edit("stmt_delete", site_at(original, "stmt", "x = 1").index)
    assert move(original, lone, random.Random(0)) is None
    assert move(original, Edit("stmt_delete", 999), random.Random(0)) is None


# --- propose -------------------------------------------------------------------------------


def test_propose_is_deterministic_for_a_seed() -> None:
    original = Original.parse(CLAMP)
    first = [propose(original, random.Random(7)) for _ in range(3)]
    again = [propose(original, random.Random(7)) for _ in range(3)]
    assert first == again
    rng_a, rng_b = random.Random(11), random.Random(11)
    assert [propose(original, rng_a) for _ in range(20)] == [
        propose(original, rng_b) for _ in range(20)
    ]


def test_propose_follows_the_line_weights() -> None:
    original = Original.parse(CLAMP)
    rng = random.Random(3)
    edits = [propose(original, rng, weights={6: 1.0}) for _ in range(200)]
    lines = [original.sites[edit.site].line for edit in edits if edit is not None]
    assert len(lines) == 200
    share = lines.count(6) / len(lines)
    sites_on_6 = sum(site.line == 6 for site in original.sites)
    expected = sites_on_6 / (sites_on_6 + SITE_FLOOR * (len(original.sites) - sites_on_6))
    assert share > 0.8 * expected


def test_propose_restricted_to_statement_ops() -> None:
    original = Original.parse(CLAMP)
    rng = random.Random(5)
    edits = [propose(original, rng, ops=STATEMENT_OPS) for _ in range(40)]
    assert all(edit is not None and edit.op in STATEMENT_OPS for edit in edits)
    assert {edit.op for edit in edits if edit is not None} == STATEMENT_OPS


def test_propose_returns_none_when_nothing_applies() -> None:
    assert propose(Original.parse("# nothing here\n"), random.Random(0)) is None
    no_booleans = Original.parse("x = 1\n")
    assert propose(no_booleans, random.Random(0), ops=["boolop_swap"], tries=5) is None


def test_propose_rejects_unknown_operators() -> None:
    with pytest.raises(ValueError, match="unknown operators"):
        propose(Original.parse("x = 1\n"), random.Random(0), ops=["teleport"])
