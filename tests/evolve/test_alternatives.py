"""Steering the search for alternative repairs: focus, moves, untried edits; contender keys."""

from __future__ import annotations

import textwrap

from petri.evolve.alternatives import (
    FEEDING_FOCUS,
    Steering,
    added_lines,
    guards,
    lines_written,
    tokens_written,
)
from petri.evolve.breed import Candidate
from petri.program.edits import Edit, Original
from petri.program.identity import program_id
from petri.program.op_guard import GUARD_VALUES

SOURCE = textwrap.dedent(
    """\
    def filled(done, total, width):
        return min(width, done * width // total)


    def bar(done, total, width):
        cells = filled(done, total, width)
        return "#" * cells + "-" * (width - cells)
    """
)


def site_on(original: Original, line: int, code: str) -> int:
    found = [
        s.index
        for s in original.sites
        if s.line == line and original.module.code_for_node(s.node) == code
    ]
    return found[-1]


def child(original: Original, edits: tuple[Edit, ...], generation: int) -> Candidate:
    source = original.apply(edits) or ""
    return Candidate(program_id(source), edits, (), "mutate", generation, source)


def test_steer_focuses_the_patch_line_and_what_feeds_it_and_moves_the_patch_upstream() -> None:
    original = Original.parse(SOURCE)
    clamp = Edit("wrap", site_on(original, 7, "cells"), ("max", "0"))
    steer = Steering(original, None).steer({7: 0.5}, frozenset({clamp}), [])
    assert steer.focus[7] == 1.5  # its suspiciousness plus one for the edit on it
    assert steer.focus[6] == FEEDING_FOCUS and steer.focus[2] == FEEDING_FOCUS
    written = [original.apply([m]) or "" for m in steer.moves]
    # The clamp moved into the helper comes first (its transplants precede the sweep).
    assert "    return max(0, min(width, done * width // total))" in written[0].splitlines()
    # Then the edits of the patch's line, each alone: distinct programs, none the original.
    assert len(set(written)) == len(written) > 10 and SOURCE not in written


def test_steer_leaves_out_moves_already_born_alone_and_remembers_every_edit_tried() -> None:
    original = Original.parse(SOURCE)
    clamp = Edit("wrap", site_on(original, 7, "cells"), ("max", "0"))
    steering = Steering(original, None)
    first = steering.steer({}, frozenset({clamp}), [])
    born = [child(original, (first.moves[0],), 3), child(original, (first.moves[1], clamp), 3)]
    again = steering.steer({}, frozenset({clamp}), born)
    assert again.moves[0] == first.moves[1]  # tried with another edit, not alone
    assert first.moves[0] not in again.moves
    assert again.tried == {first.moves[0], first.moves[1], clamp}


def test_steer_is_the_same_whatever_order_the_plausible_edits_come_in() -> None:
    original = Original.parse(SOURCE)
    edits = [
        Edit("wrap", site_on(original, 7, "cells"), ("max", "0")),
        Edit("wrap", site_on(original, 6, "filled(done, total, width)"), ("max", "0")),
    ]
    a = Steering(original, None).steer({}, frozenset(edits), [])
    b = Steering(original, None).steer({}, frozenset(reversed(edits)), [])
    assert a == b


def test_statement_only_steering_has_no_one_token_edits_to_sweep() -> None:
    original = Original.parse(SOURCE)
    delete = Edit("stmt_delete", site_on(original, 6, "cells = filled(done, total, width)\n"))
    steer = Steering(original, ["stmt_delete", "stmt_insert"]).steer({}, frozenset({delete}), [])
    assert steer.moves == ()  # and a statement edit does not transplant


GUARDED = textwrap.dedent(
    """\
    def search(x, seq):
        if seq == ():
            return ()
        for i, elem in enumerate(seq):
            if x <= elem:
                return i
        return len(seq)
    """
)


def test_steer_varies_each_edit_of_a_patch_of_several_keeping_the_others() -> None:
    # The patch needs both edits (a guard for [] and a constant for the empty case); its
    # constant may be the overfitted part (False passes `== 0`), so each edit is replaced in
    # turn by the other one-token edits of its line while the other edit stays.
    original = Original.parse(GUARDED)
    guard = Edit("cond_widen", site_on(original, 2, "seq == ()"), ("not", "seq"))
    zero = Edit("const_replace", site_on(original, 3, "()"), ("False",))
    assert original.apply([guard, zero]) is not None
    steer = Steering(original, None).steer({}, frozenset({guard, zero}), [], [(guard, zero)])
    assert steer.variants and all(len(v) == 2 for v in steer.variants)
    kept_guard = [v[1] for v in steer.variants if v[0] == guard]
    assert Edit("const_replace", zero.site, ("0",)) in kept_guard  # return 0, guard kept
    assert all(original.sites[e.site].line == 3 for e in kept_guard)
    assert any(v[0] == zero for v in steer.variants)  # and the guard varied, the constant kept
    assert (guard, zero) not in steer.variants and (zero, guard) not in steer.variants
    # A single edit has no variants (its line's edits are moves already), nor do variants
    # repeat a child born before.
    alone = Steering(original, None).steer({}, frozenset({zero}), [], [(zero,)])
    assert alone.variants == ()
    first = steer.variants[0]
    again = Steering(original, None).steer(
        {}, frozenset({guard, zero}), [child(original, first, 4)], [(guard, zero)]
    )
    assert first not in again.variants and len(again.variants) == len(steer.variants) - 1
    assert list(again.walk())[: len(again.moves)] == [(m,) for m in again.moves]


def test_added_lines_names_a_change_wherever_it_is_written() -> None:
    before = "a = 1\nb = 2\nc = 3\n"
    here = "a = 1\nreturn 0\nc = 3\n"
    there = "a = 1\nb = 2\n  return 0\n"
    assert added_lines(before, here) == added_lines(before, there) == {"return 0"}
    assert added_lines(before, before) == frozenset()


def test_lines_written_counts_the_larger_side_of_the_diff() -> None:
    before = "while a:\n    x = 1\n"
    assert lines_written(before, "while b:\n    x = 1\n") == 1
    assert lines_written(before, "while a:\n    while a:\n        x = 1\n    x = 1\n") == 2
    assert lines_written(before, "") == 2
    assert lines_written(before, before) == 0
    assert lines_written("x = 1\n", "x = 1\n--y\n") == 1  # a line that looks like a header


def test_tokens_written_counts_the_larger_side_of_each_replaced_run() -> None:
    before = "def gcd(a, b):\n    return abs(b)\n"
    assert tokens_written(before, before.replace("abs(b)", "abs(a)")) == 1
    assert tokens_written(before, before.replace("abs(b)", "abs(max(a, b))")) == 5
    compare = "if key(b[j]) <= key(a[i]):\n    pass\n"
    assert tokens_written(compare, compare.replace("<=", "<")) == 1  # "<" "=" lost one
    assert tokens_written(compare, "if b[j] <= a[i]:\n    pass\n") == 6
    assert tokens_written(compare, "") == 19  # every token of both lines, deleted
    assert tokens_written(compare, compare) == 0


UNGUARDED = textwrap.dedent(
    """\
    def search(x, seq):
        for i, elem in enumerate(seq):
            if x <= elem:
                return i
        return len(seq)
    """
)


def test_steer_tries_the_siblings_of_a_patchs_edit_before_the_sweep() -> None:
    # A guard that returns False passes `== 0`; its sibling returning 0 is the fix the
    # shadow test should get to compare.
    original = Original.parse(UNGUARDED)
    opener = next(s for s in original.sites if original.info[s.index].opens)
    guard = Edit("guard_add", opener.index, ("seq", "False"))
    steer = Steering(original, None).steer({}, frozenset({guard}), [])
    kin = [m for m in steer.moves if m.op == "guard_add"]
    assert Edit("guard_add", opener.index, ("seq", "0")) in kin and guard not in kin
    assert list(steer.moves[: len(kin)]) == kin  # first: a guard adds no transplants
    assert len(steer.moves) > len(kin)  # then the one-token edits of its line


TWO_FUNCTIONS = textwrap.dedent(
    """\
    def first(xs, k):
        return xs[:k]


    def count(xs):
        n = 0
        for x in xs:
            n += 1
        return n
    """
)


def test_guards_open_only_the_functions_a_patch_edits() -> None:
    original = Original.parse(TWO_FUNCTIONS)
    inside = site_on(original, 8, "n += 1\n")
    patch = (Edit("augop_swap", inside, ("-=",)),)
    found = guards(original, patch)
    opener = site_on(original, 6, "n = 0\n")
    # count returns no literal: each constant a guard may return, for its one parameter.
    assert found == [Edit("guard_add", opener, ("xs", v)) for v in GUARD_VALUES]
    both = (*patch, Edit("index_add", site_on(original, 2, "xs"), (0,)))
    assert {e.args[0] for e in guards(original, both)} == {"xs", "k"}  # first's too
    assert found[0] not in guards(original, (*patch, found[0]))  # never one it holds
    assert guards(original, ()) == []
