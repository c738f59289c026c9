"""Breeding: distinct children, reproducible from the generator, and the elite's share."""

from __future__ import annotations

import random

from hidden_slip import HIDDEN, RAN

from petri.evolve.breed import (
    ELITE_RATE,
    OPERATOR_MIX,
    Alternatives,
    Breeder,
    Candidate,
    program_id,
)
from petri.program.edits import Original
from petri.program.operators import OPERATORS, sweep

SOURCE = """def clamp(x, low, high):
    if x < low:
        return low
    if x > high:
        return high
    return x
"""


def breeder(original: Original) -> Breeder:
    return Breeder(original, weights=None, ops=None, max_edits=4, crossover_rate=0.3)


def edited_population(b: Breeder, size: int) -> list[Candidate]:
    """``size`` distinct one-edit children of the original."""
    origin = b.origin()
    seen = {origin.id}
    return b.children([origin], pick=None, n=size, rng=random.Random(1), seen=seen, generation=1)


def test_children_are_new_distinct_and_the_same_for_a_seed() -> None:
    b = breeder(Original.parse(SOURCE))
    parents = [b.origin(), *edited_population(b, 10)]

    def brood(seed: int) -> list[Candidate]:
        seen = {p.id for p in parents}
        return b.children(
            parents, pick=None, n=30, rng=random.Random(seed), seen=seen, generation=2
        )

    first = brood(5)
    assert len({c.id for c in first}) == len(first) > 20
    assert not {c.id for c in first} & {p.id for p in parents}
    assert all(c.id == program_id(c.source) for c in first)
    assert [c.id for c in brood(5)] == [c.id for c in first]


def test_the_elite_parents_its_share_of_the_children() -> None:
    b = breeder(Original.parse(SOURCE))
    origin = b.origin()
    # The original ranks first but is one of 24: a tournament alone seldom draws it.
    parents = [*edited_population(b, 23), origin]
    pick = {p.id: (0 if p is origin else 1 + i) for i, p in enumerate(parents)}

    def from_origin(elite: list[Candidate]) -> float:
        seen = {p.id for p in parents}
        rng = random.Random(3)
        kids = b.children(parents, pick=pick, n=200, rng=rng, seen=seen, generation=2, elite=elite)
        return sum(c.parents == (origin.id,) for c in kids) / len(kids)

    alone, with_elite = from_origin([]), from_origin([origin])
    assert alone < 0.15
    assert with_elite > alone + ELITE_RATE / 2


def test_the_operator_mix_weighs_known_operators_below_the_default() -> None:
    assert set(OPERATOR_MIX) <= set(OPERATORS)
    assert all(0 < weight <= 1 for weight in OPERATOR_MIX.values())


def test_children_follow_the_mix() -> None:
    original = Original.parse(SOURCE)
    rare = Breeder(
        original, weights=None, ops=None, max_edits=1, crossover_rate=0.0, mix={"box": 1e-3}
    )
    common = Breeder(
        original, weights=None, ops=None, max_edits=1, crossover_rate=0.0, mix={"box": 50.0}
    )

    def ops(b: Breeder) -> list[str]:
        children = b.children(
            [b.origin()], pick=None, n=60, rng=random.Random(3), seen=set(), generation=1
        )
        return [edit.op for child in children for edit in child.edits]

    assert ops(rare).count("box") < ops(common).count("box")


def test_alternatives_leave_the_found_repairs_edits_out_of_every_other_child() -> None:
    original = Original.parse(SOURCE)
    b = breeder(original)
    repair = edited_population(b, 1)[0]
    parents = [b.origin(), repair]
    line = original.sites[repair.edits[0].site].line
    steer = Alternatives(frozenset(repair.edits), {line: 1.0})
    seen = {p.id for p in parents}
    kids = b.children(
        parents, pick=None, n=60, rng=random.Random(4), seen=seen, generation=2,
        elite=[repair], alternatives=steer,
    )  # fmt: skip
    assert len(kids) == 60  # every slot bred, so even slots are even places
    steered, free = kids[::2], kids[1::2]
    assert steered and not any(set(c.edits) & steer.tabu for c in steered)
    # Their new edits are drawn mostly on the repair's line.
    on_line = [e for c in steered for e in c.edits if original.sites[e.site].line == line]
    assert len(on_line) > len([e for c in steered for e in c.edits]) / 2
    # The children in between may build on the repair.
    assert any(set(c.edits) & steer.tabu for c in free)


def test_alternatives_try_their_moves_first_as_children_of_the_original() -> None:
    original = Original.parse(SOURCE)
    b = breeder(original)
    repair = edited_population(b, 1)[0]
    moves = tuple(
        e
        for e in sweep(original, [original.sites[repair.edits[0].site].line])
        if original.apply([e]) not in (None, original.source)
    )[:3]
    assert len(moves) == 3
    steer = Alternatives(frozenset(repair.edits), {}, moves)
    origin = b.origin()
    seen = {origin.id, repair.id, program_id(original.apply([moves[1]]) or "")}
    kids = b.children(
        [origin, repair], pick=None, n=8, rng=random.Random(4), seen=seen, generation=2,
        alternatives=steer,
    )  # fmt: skip
    # The even slots take the moves whose program is new, in order, each alone on the original.
    assert [k.edits for k in kids[0:4:2]] == [(moves[0],), (moves[2],)]
    assert all(k.op == "move" and k.parents == (origin.id,) for k in kids[0:4:2])
    assert kids[4].op != "move"  # then breeding as before


def test_alternatives_try_their_variants_after_their_moves_each_as_one_child() -> None:
    original = Original.parse(SOURCE)
    b = breeder(original)
    repair = edited_population(b, 1)[0]
    line = original.sites[repair.edits[0].site].line
    edits = [
        e for e in sweep(original, [line]) if original.apply([e]) not in (None, original.source)
    ]
    pairs = [
        (a, c)
        for a in edits[:1]
        for c in edits[1:]
        if original.apply([a, c]) not in (None, original.source)
    ]
    move, variant = (edits[0],), pairs[-1]
    steer = Alternatives(frozenset(repair.edits), {}, move, frozenset(), (variant,))
    origin = b.origin()
    kids = b.children(
        [origin, repair], pick=None, n=6, rng=random.Random(4), seen={origin.id, repair.id},
        generation=2, alternatives=steer,
    )  # fmt: skip
    # The move first, then the variant with all of its edits, both children of the original.
    assert [k.edits for k in kids[0:4:2]] == [move, variant]
    assert all(k.op == "move" and k.parents == (origin.id,) for k in kids[0:4:2])
    assert kids[4].op != "move"


def test_alternatives_breed_no_child_made_only_of_edits_tried_before() -> None:
    original = Original.parse(SOURCE)
    b = breeder(original)
    population = [b.origin(), *edited_population(b, 6)]
    tried = frozenset(e for c in population for e in c.edits)
    steer = Alternatives(frozenset(), {}, (), tried)
    kids = b.children(
        population, pick=None, n=30, rng=random.Random(5), seen={c.id for c in population},
        generation=2, alternatives=steer,
    )  # fmt: skip
    steered = kids[::2]
    assert steered and all(set(c.edits) - tried for c in steered)


def test_no_child_holds_an_edit_twice() -> None:
    # Twice, ``operand_swap`` undoes itself: [swap, change, swap] is the program of the
    # change alone (new here), at a size of three edits, and a size-one patch that overfits
    # would beat it. The mutations may only swap operands, at two sites.
    original = Original.parse(SOURCE)
    b = Breeder(original, weights=None, ops=["operand_swap"], max_edits=4, crossover_rate=0.0)
    rng = random.Random(0)
    swaps = {e for e in (OPERATORS["operand_swap"](original, s, rng) for s in original.sites) if e}
    change = next(
        e for e in (OPERATORS["cmpop_swap"](original, s, rng) for s in original.sites) if e
    )
    edits = (min(swaps, key=lambda e: e.site), change)
    source = original.apply(edits)
    assert source is not None and len(swaps) == 2
    parent = Candidate(program_id(source), edits, (), "mutate", 1, source)
    seen = {b.origin().id, parent.id}
    children = b.children([parent], pick=None, n=10, rng=random.Random(1), seen=seen, generation=2)
    assert children
    assert all(len(set(c.edits)) == len(c.edits) for c in children)


#: ``top_k`` whose loop appends to ``new``, bound nowhere: a child whose loop runs raises
#: ``NameError: name 'new' is not defined``.
UNBOUND = """def top_k(lst, k):
    out = []
    while len(lst) < k:
        a = max(lst)
        lst.remove(a)
        new.append(a)
    return out
"""


def test_a_parent_whose_crash_names_a_name_gets_children_edited_at_its_reads() -> None:
    original = Original.parse(UNBOUND)
    reads = {s.index for s in original.sites if original.module.code_for_node(s.node) == "new"}
    origin = program_id(original.source)

    def at_reads(named: dict[str, tuple[str, ...]]) -> set[str]:
        b = Breeder(original, weights=None, ops=None, max_edits=4, crossover_rate=0.0, named=named)
        children = b.children(
            [b.origin()], pick=None, n=40, rng=random.Random(3), seen={origin}, generation=1
        )
        return {str(e.args[0]) for c in children for e in c.edits if e.site in reads}

    # Every name in scope is tried at ``new`` first thing; by suspiciousness alone, few are.
    assert at_reads({origin: ("new",)}) >= {"lst", "k", "a", "out"}
    assert len(at_reads({})) < 4


def test_a_parent_crashing_on_a_line_the_original_never_ran_gets_children_edited_there() -> None:
    original = Original.parse(HIDDEN)
    origin = program_id(original.source)

    def lines_edited(crashed: dict[str, tuple[int, ...]]) -> list[int]:
        b = Breeder(
            original, weights=RAN, ops=None, max_edits=4, crossover_rate=0.0, crashed=crashed
        )
        children = b.children(
            [b.origin()], pick=None, n=60, rng=random.Random(3), seen={origin}, generation=1
        )
        return [original.sites[e.site].line for c in children for e in c.edits]

    plain = lines_edited({})
    assert lines_edited({origin: (5,)}).count(5) > plain.count(5) + 10
    # A line the original's tests ran is localization's to weigh: the same children.
    assert lines_edited({origin: (4,)}) == plain
