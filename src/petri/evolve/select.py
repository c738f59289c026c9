"""Multi-objective selection: NSGA-II (DEAP's non-dominated sort and crowding distance).

Feasible candidates (evaluation ``ok``: every test passed, or ``evaluate()`` ran) always rank
above infeasible ones, as in Deb's constrained domination; infeasible candidates are ranked on
the gate objectives only (tests passed, then patch size), so a half-repaired program is never
kept for being short. Where a front must be cut, a candidate whose tests behaved as no better
ranked one's did is kept first: most repairs that take several edits pass no more tests until
the last lands, and the partial ones among the many neutral edits are those that changed what
a test did (its failure message), not those that changed nothing the tests see. And one
place in ``REACHING_SHARE`` goes to candidates that got further than the original: their tests
crash on a line the original's tests never ran (``Scored.reached``). That is the first of two
slips mended and the second now raising, a bigger patch that passes no more tests, whose front
is seldom reached at all.
Parent selection is a binary tournament on (tier, rank, crowding) drawn
from the run's own generator: DEAP's ``selTournamentDCD`` draws from the global ``random``
module, which would make runs depend on whatever else used it.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from deap import base, tools

from petri.evolve.objectives import Objective

#: Objectives that still rank infeasible candidates (tests first, then the smallest patch).
GATE = ("tests_passed", "patch_size")
#: One survivor in this many may be a candidate that got further than the original.
REACHING_SHARE = 6


@dataclass
class Scored:
    """An evaluated candidate as selection sees it; ``rank``/``crowding`` are set by select."""

    id: str
    objectives: dict[str, float]
    feasible: bool
    behaviour: str = ""  # a digest of what its tests did; "" when unknown
    #: Its tests crash on a line the original's tests never ran (``crash_hints``).
    reached: bool = False
    rank: int = 0
    crowding: float = 0.0
    tier: int = field(default=0, init=False)

    def key(self) -> tuple[int, int, float]:
        """Smaller is better: feasible tier, then Pareto rank, then larger crowding."""
        return (self.tier, self.rank, -self.crowding)


class _Individual(list[float]):
    fitness: Any
    scored: Scored


def _rank(group: Sequence[Scored], objectives: Sequence[Objective]) -> list[list[Scored]]:
    """Non-dominated fronts of ``group``, each sorted by decreasing crowding distance."""
    if not group or not objectives:
        return [list(group)] if group else []
    weights = tuple(1.0 if o.direction == "max" else -1.0 for o in objectives)
    fitness_class = type("Fitness", (base.Fitness,), {"weights": weights})
    individuals = []
    for scored in group:
        ind = _Individual(scored.objectives[o.name] for o in objectives)
        ind.fitness = fitness_class(tuple(ind))
        ind.scored = scored
        individuals.append(ind)
    fronts = tools.sortNondominated(individuals, len(individuals))
    ranked: list[list[Scored]] = []
    for number, front in enumerate(fronts):
        tools.emo.assignCrowdingDist(front)
        for ind in front:
            ind.scored.rank = number
            ind.scored.crowding = float(ind.fitness.crowding_dist)
        ordered = sorted(front, key=lambda i: -i.fitness.crowding_dist)  # stable: ties keep order
        ranked.append([ind.scored for ind in ordered])
    return ranked


def rank_all(pool: Sequence[Scored], objectives: Sequence[Objective]) -> list[list[Scored]]:
    """Every front, feasible tier first; sets ``tier``, ``rank`` and ``crowding`` on each."""
    gate = [o for o in objectives if o.name in GATE] or list(objectives)
    feasible = [s for s in pool if s.feasible]
    infeasible = [s for s in pool if not s.feasible]
    fronts: list[list[Scored]] = []
    for tier, (group, objs) in enumerate(((feasible, objectives), (infeasible, gate))):
        for front in _rank(group, objs):
            for scored in front:
                scored.tier = tier
            fronts.append(front)
    return fronts


def select(pool: Sequence[Scored], k: int, objectives: Sequence[Objective]) -> list[Scored]:
    """NSGA-II survivor selection: whole fronts while they fit, then from the front that does
    not fit, behaviours not seen in a better front first, then the most crowded-apart."""
    chosen: list[Scored] = []
    seen: set[str] = set()
    for front in rank_all(pool, objectives):
        if len(chosen) + len(front) <= k:
            chosen.extend(front)
        else:
            chosen.extend(_novel_first(front, seen)[: k - len(chosen)])
        if len(chosen) >= k:
            break
        seen.update(s.behaviour for s in front)
    return _reaching(chosen, pool, k)


def _reaching(chosen: list[Scored], pool: Sequence[Scored], k: int) -> list[Scored]:
    """``chosen`` with up to one place in ``REACHING_SHARE`` (its last places) given to
    candidates left out whose tests crash on a line the original's never ran: those whose
    behaviour no other survivor shows first, then in rank order."""
    taken = {s.id for s in chosen}
    left = [s for s in pool if s.reached and not s.feasible and s.id not in taken]
    if not left:  # also when every candidate fitted: none was left out
        return chosen
    room = min(len(left), max(1, k // REACHING_SHARE))
    kept = chosen[: len(chosen) - room]
    behaviours = {s.behaviour for s in kept}
    left.sort(key=lambda s: (s.behaviour in behaviours, s.tier, s.rank, -s.crowding))
    return kept + left[:room]


def _novel_first(front: list[Scored], seen: set[str]) -> list[Scored]:
    """``front`` with one candidate of each behaviour not in ``seen`` first (in crowding
    order), then the others in crowding order; unknown behaviours count as seen."""
    novel: list[Scored] = []
    rest: list[Scored] = []
    taken = set(seen) | {""}
    for scored in front:
        if scored.behaviour in taken:
            rest.append(scored)
        else:
            taken.add(scored.behaviour)
            novel.append(scored)
    return novel + rest


def pareto_front(pool: Sequence[Scored], objectives: Sequence[Objective]) -> list[Scored]:
    """The first front of the best non-empty tier (feasible candidates when there are any)."""
    fronts = rank_all(pool, objectives)
    return list(fronts[0]) if fronts else []


def tournament(population: Sequence[Scored], rng: random.Random) -> Scored:
    """Binary tournament on (tier, rank, crowding); ties go to the first drawn."""
    a = population[rng.randrange(len(population))]
    b = population[rng.randrange(len(population))]
    return b if b.key() < a.key() else a
