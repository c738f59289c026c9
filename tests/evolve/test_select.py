"""NSGA-II selection: feasible first, Pareto ranks, crowding, and a seeded tournament."""

from __future__ import annotations

import random

from petri.evolve.objectives import Objective
from petri.evolve.select import (
    REACHING_SHARE,
    Scored,
    pareto_front,
    rank_all,
    select,
    tournament,
)

OBJ = (Objective("tests_passed", "max"), Objective("patch_size", "min"))


def s(pid: str, passed: float, size: float, feasible: bool = False) -> Scored:
    return Scored(pid, {"tests_passed": passed, "patch_size": size}, feasible)


def test_feasible_candidates_rank_above_all_others() -> None:
    pool = [s("a", 9, 1), s("b", 10, 4, feasible=True), s("c", 9, 0)]
    assert [x.id for x in select(pool, 1, OBJ)] == ["b"]
    assert [x.id for x in pareto_front(pool, OBJ)] == ["b"]


def test_infeasible_front_trades_tests_for_patch_size() -> None:
    pool = [s("orig", 8, 0), s("one", 9, 1), s("worse", 7, 1), s("big", 9, 3)]
    fronts = rank_all(pool, OBJ)
    assert sorted(x.id for x in fronts[0]) == ["one", "orig"]
    assert {x.id: x.rank for x in pool}["worse"] >= 1
    assert {x.id: x.rank for x in pool}["big"] == 1


def test_select_keeps_whole_fronts_then_the_least_crowded() -> None:
    pool = [s(f"p{i}", float(i), float(i)) for i in range(5)]  # one front, a line
    chosen = select(pool, 2, OBJ)
    assert sorted(x.id for x in chosen) == ["p0", "p4"]  # the ends have infinite crowding


def test_secondary_objectives_count_once_tests_pass() -> None:
    obj = (*OBJ, Objective("complexity", "min"))
    a = Scored("a", {"tests_passed": 5, "patch_size": 1, "complexity": 9}, True)
    b = Scored("b", {"tests_passed": 5, "patch_size": 2, "complexity": 3}, True)
    c = Scored("c", {"tests_passed": 5, "patch_size": 2, "complexity": 9}, True)
    assert sorted(x.id for x in pareto_front([a, b, c], obj)) == ["a", "b"]


def test_tournament_is_reproducible_and_prefers_better() -> None:
    pool = [s("a", 1, 0), s("b", 5, 0), s("c", 3, 0)]
    rank_all(pool, OBJ)
    rng_a, rng_b = random.Random(4), random.Random(4)
    draws = [tournament(pool, rng_a).id for _ in range(50)]
    assert draws == [tournament(pool, rng_b).id for _ in range(50)]
    assert draws.count("b") > draws.count("a")


def test_a_cut_front_keeps_behaviours_no_better_candidate_showed_first() -> None:
    """Neutral edits tie on every objective; where the front is cut, a candidate whose tests
    failed otherwise (a partial repair, perhaps) survives before a copy of a known behaviour."""

    def b(pid: str, passed: float, size: float, behaviour: str) -> Scored:
        return Scored(pid, {"tests_passed": passed, "patch_size": size}, False, behaviour)

    pool = [
        b("orig", 3, 0, "A"),
        b("same1", 3, 1, "A"),
        b("same2", 3, 1, "A"),
        b("moved", 3, 1, "B"),
        b("moved2", 3, 1, "B"),
        b("unknown", 3, 1, ""),
    ]
    assert [x.id for x in select(pool, 2, OBJ)] == ["orig", "moved"]  # the one new behaviour
    assert [x.id for x in select(pool, 3, OBJ)][:2] == ["orig", "moved"]
    # Without behaviours the cut keeps crowding order alone: "moved" is not singled out.
    blind = [Scored(s.id, s.objectives, False) for s in pool]
    assert [x.id for x in select(blind, 2, OBJ)] != ["orig", "moved"]
    assert len(select(pool, 6, OBJ)) == 6  # a front that fits is kept whole


def test_candidates_that_got_further_than_the_original_keep_a_share_of_the_places() -> None:
    """A partial repair of a slip that hid another passes no more tests and is a bigger patch:
    its front is never reached. Crashing on a line the original never ran, it keeps a place."""

    def b(pid: str, size: float, behaviour: str, reached: bool = False) -> Scored:
        return Scored(pid, {"tests_passed": 1, "patch_size": size}, False, behaviour, reached)

    k = 2 * REACHING_SHARE
    neutral = [b(f"n{i}", 1, f"N{i}") for i in range(k)]
    further = [b("far1", 2, "F", reached=True), b("far2", 2, "A", reached=True)]
    newer = b("far3", 3, "G", reached=True)
    pool = [b("orig", 0, "A"), *neutral, *further, newer]
    chosen = [x.id for x in select(pool, k, OBJ)]
    assert len(chosen) == k and chosen[0] == "orig"
    # Two places (k // REACHING_SHARE): behaviours no survivor shows first, then by rank.
    assert chosen[-2:] == ["far1", "far3"]
    # Where every candidate fits, none is displaced; a feasible one needs no share.
    assert [x.id for x in select([b("orig", 0, "A"), *further], 3, OBJ)] == ["orig", "far1", "far2"]
    done = Scored("done", {"tests_passed": 4, "patch_size": 2}, True, reached=True)
    assert [x.id for x in select([done, *neutral], 1, OBJ)] == ["done"]
