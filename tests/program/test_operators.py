"""The operator registry, propose, echo and move."""

from __future__ import annotations

import random

import pytest
from edit_kit import CLAMP, lines_changed, program, site_at, sites_at

from petri.program import (
    op_block,
    op_call,
    op_cond,
    op_donor,
    op_exit,
    op_expr,
    op_guard,
    op_index,
    op_inplace,
    op_line,
    op_loop,
    op_stmt,
    op_swap,
    op_wrap,
)
from petri.program.edits import Edit, Original
from petri.program.operators import (
    BLOCK_APPLIERS,
    MOVE_LINES,
    NODE_APPLIERS,
    OPERATORS,
    SITE_FLOOR,
    STATEMENT_OPS,
    TOKEN_OPS,
    at_named,
    echo,
    move,
    propose,
    siblings,
    sweep,
    transplants,
    unbound_names,
)


def test_registry_is_sorted_and_statement_ops_are_the_classic_baseline() -> None:
    assert list(OPERATORS) == sorted(OPERATORS)
    assert {"stmt_delete", "stmt_insert", "stmt_replace", "stmt_swap"} == STATEMENT_OPS
    assert set(OPERATORS) > STATEMENT_OPS


def test_every_operator_has_one_applier_and_one_home() -> None:
    modules = [
        op_block,
        op_call,
        op_cond,
        op_donor,
        op_exit,
        op_expr,
        op_guard,
        op_index,
        op_inplace,
        op_line,
        op_loop,
        op_stmt,
        op_swap,
        op_wrap,
    ]
    assert all(set(module.OPERATORS) == set(module.APPLIERS) for module in modules)
    assert sum(len(module.OPERATORS) for module in modules) == len(OPERATORS)  # no name twice
    assert set(NODE_APPLIERS) | set(BLOCK_APPLIERS) == set(OPERATORS)
    assert not set(NODE_APPLIERS) & set(BLOCK_APPLIERS)


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


MISNAMED = program(
    """
    def unique(date, rows):
        seen = 0
        for row in rows:
            if day == row[1]:
                seen += 1
        return seen == 1 or day is None

    def other(day):
        return day
    """
)


def test_echo_renames_every_read_of_a_name_bound_nowhere_in_its_scope() -> None:
    original = Original.parse(MISNAMED)
    first = Edit("name_replace", site_at(original, "bound", "day").index, ("date",))
    twin = echo(original, first, random.Random(0))
    assert twin is not None and twin.args == ("date",)
    assert original.sites[twin.site].line != original.sites[first.site].line
    edited = original.apply([first, twin])
    assert edited is not None
    assert lines_changed(MISNAMED, edited) == [
        "if date == row[1]:",
        "return seen == 1 or date is None",
    ]  # never other()'s own parameter day


def test_echo_of_a_bound_name_reaches_its_reads_on_the_lines_beside_it() -> None:
    source = program(
        """
        def pick(xs):
            best = xs[0]
            for x in xs:
                if x > best:
                    best = x
            xs.remove(x)
            out = [x]
            return out + [x]
        """
    )
    original = Original.parse(source)
    (removed,) = [site for site in sites_at(original, "expr", "x") if site.line == 6]
    first = Edit("name_replace", removed.index, ("best",))
    edited = set()
    for seed in range(30):
        twin = echo(original, first, random.Random(seed))
        assert twin is not None
        both = original.apply([first, twin])
        assert both is not None
        edited.add(tuple(lines_changed(source, both)))
    assert edited == {
        ("best = best", "xs.remove(best)"),  # the x one line up, in the loop
        ("best.remove(best)",),  # another name of its line
        ("xs.remove(best)", "out = [best]"),  # the x one line down
    }  # never the x of line 4 or of line 8


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


def test_propose_keeps_to_the_lines_it_is_given() -> None:
    original = Original.parse(CLAMP)
    rng = random.Random(3)
    edits = [propose(original, rng, weights={2: 1.0}, lines={5, 6}) for _ in range(50)]
    assert {original.sites[e.site].line for e in edits if e is not None} == {5, 6}
    assert propose(original, rng, lines={99}) is None  # no site there


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


def test_propose_thins_the_operators_by_the_mix() -> None:
    original = Original.parse("def f(a, b):\n    return a\n")  # both apply at ``a`` only
    rng = random.Random(2)

    def share(ops: list[str], mix: dict[str, float] | None, tries: int = 30) -> float:
        edits = [propose(original, rng, ops=ops, mix=mix, tries=tries) for _ in range(800)]
        return sum(edit is not None and edit.op == "wrap" for edit in edits) / len(edits)

    pair = ["name_replace", "wrap"]
    assert 0.42 < share(pair, None) < 0.58  # the first of a shuffled pair
    assert 0.08 < share(pair, {"wrap": 0.25}) < 0.17  # first half the time, its turn a quarter
    # Alone at its site, it is proposed a quarter as often (one site drawn per call: ``a``
    # half the time, the statement the other half).
    assert 0.4 < share(["wrap"], None, tries=1) < 0.6
    assert 0.07 < share(["wrap"], {"wrap": 0.25}, tries=1) < 0.19


@pytest.mark.parametrize("weight", [0.0, -1.0, float("inf"), float("nan")])
def test_propose_rejects_weights_that_are_not_positive_numbers(weight: float) -> None:
    with pytest.raises(ValueError, match="positive numbers"):
        propose(Original.parse("x = 1\n"), random.Random(0), mix={"wrap": weight})


# --- transplants and sweep -----------------------------------------------------------------

HELPER = program(
    """
    def filled(done, total, width):
        return min(width, done * width // total)


    def bar(done, total, width):
        cells = filled(done, total, width)
        return "#" * cells + "-" * (width - cells)
    """
)


def test_transplants_move_an_expression_edit_to_every_like_site_on_the_feeding_lines() -> None:
    original = Original.parse(HELPER)
    clamp = Edit("wrap", sites_at(original, "expr", "cells")[-1].index, ("max", "0"))
    assert lines_changed(HELPER, original.apply([clamp]) or "") == [
        'return "#" * cells + "-" * (width - max(0, cells))'
    ]
    moved = transplants(original, clamp, [2])
    assert all(e.op == clamp.op and original.sites[e.site].line == 2 for e in moved)
    same = [e for e in moved if e.args == clamp.args]
    assert same and moved[: len(same)] == same  # the same args first, then the others drawn
    written = [lines_changed(HELPER, original.apply([e]) or "")[0] for e in moved]
    # Among them, the clamp where the helper computes its result: the repair.
    assert "return max(0, min(width, done * width // total))" in written[: len(same)]
    assert len(set(written)) == len(moved)  # one edit per program


def test_transplants_try_the_same_kind_of_change_with_other_args() -> None:
    original = Original.parse(HELPER)
    ceiling = Edit("wrap", sites_at(original, "expr", "cells")[-1].index, ("min", "width"))
    moved = transplants(original, ceiling, [2])
    written = [lines_changed(HELPER, original.apply([e]) or "")[0] for e in moved]
    # The patch clamped from above where the helper's result is used; the repair clamps the
    # helper's result from below, a guard of the same operator with other args.
    assert "return max(0, min(width, done * width // total))" in written
    assert moved[0].args == ceiling.args


def test_siblings_are_the_operators_other_args_at_its_site_one_per_program() -> None:
    original = Original.parse(HELPER)
    ceiling = Edit("wrap", sites_at(original, "expr", "cells")[-1].index, ("min", "width"))
    kin = siblings(original, ceiling)
    assert kin and all(e.op == "wrap" and e.site == ceiling.site for e in kin)
    assert ceiling not in kin
    written = [original.apply([e]) for e in kin]
    assert len(set(written)) == len(kin) and original.source not in written
    assert Edit("wrap", ceiling.site, ("max", "0")) in kin  # the clamp from below
    # A one-token edit has none (``sweep`` walks those), nor has a site that is not there.
    name = Edit("name_replace", ceiling.site, ("done",))
    assert siblings(original, name) == []
    assert siblings(original, Edit("wrap", 10_000, ("max", "0"))) == []


def test_statement_and_misplaced_edits_do_not_transplant() -> None:
    original = Original.parse(HELPER)
    assignment = site_at(original, "stmt", "cells = filled(done, total, width)")
    statement = Edit("stmt_delete", assignment.index)
    assert transplants(original, statement, [2]) == []
    assert transplants(original, Edit("wrap", 10_000, ("max", "0")), [2]) == []


def test_sweep_lists_every_edit_of_a_line_once_heaviest_operators_first() -> None:
    original = Original.parse(CLAMP)
    line = site_at(original, "stmt", "high = LIMIT").line
    mix = {"name_replace": 0.1}  # below const_replace and the rest
    edits = sweep(original, [line], mix=mix)
    assert edits and len(set(edits)) == len(edits)
    assert all(original.sites[e.site].line == line for e in edits)
    assert edits == sweep(original, [line], mix=mix)  # the same list every time
    per_site: dict[int, list[str]] = {}
    for e in edits:
        per_site.setdefault(e.site, []).append(e.op)
    for ops in per_site.values():
        if "name_replace" in ops:  # the light operator comes after the others at its site
            assert ops[ops.index("name_replace") :] == ["name_replace"] * ops.count("name_replace")


def test_sweep_finds_the_one_token_fix_that_sampling_rarely_draws() -> None:
    source = program(
        """
        def middle(s):
            mid = len(s) // 2
            return (s[mid - 1] + s[mid]) // 2
        """
    )
    original = Original.parse(source)
    edits = sweep(original, [3], ops=["binop_swap"])
    written = {lines_changed(source, original.apply([e]) or "")[0] for e in edits}
    assert "return (s[mid - 1] + s[mid]) / 2" in written
    assert all(e.op in TOKEN_OPS for e in sweep(original, [3]))
    assert sweep(original, [3], ops=["stmt_delete", "wrap"]) == [] == sweep(original, [99])


NAMED = """def top_k(lst, k):
    out = []
    while len(lst) < k:
        new.append(max(lst))
        lst.remove(max(lst))
    return out
"""


def test_at_named_edits_a_read_of_a_name_the_original_binds_nowhere() -> None:
    original = Original.parse(NAMED)
    assert unbound_names(original) == {"new"}
    rng = random.Random(0)
    for _ in range(5):
        edit = at_named(original, ["new", "out"], rng, None)
        assert edit is not None and edit.op == "name_replace"
        assert original.module.code_for_node(original.sites[edit.site].node) == "new"
    # ``out`` is bound: a NameError on it was a child's own doing (a deleted assignment).
    assert at_named(original, ["out", "absent"], rng, None) is None
    assert at_named(original, ["new"], rng, ["box", "attr_replace"]) is None  # not among ops
