"""The coordinator of an evolve run: baseline, generations, selection, minimization, promotion.

Determinism: generation *g* breeds with ``random.Random(f"{seed}:{g}")``, from the survivors of
generation *g-1* and the ids born before *g*; results are folded in child order, whatever order
workers finish in. So the same seed and budget give the same run for any number of workers,
and a run resumed after ``kill -9`` replays to the start of its unfinished generation and breeds
exactly the children it had bred. Births are recorded before their tasks are queued (each
child as soon as it is bred, when the evaluator takes jobs early, so workers judge while its
siblings are bred); a generation's evaluations and its selection are recorded in one atomic
append. The shadow test (``evolve.shadow``) runs before promotion (a second time when the patch
it would promote is tried with guards, ``_guarded``), and its evidence is one event: a resumed
run promotes the patch it chose without running it again. A person's stop
request (``petri stop``) is looked for between generations, only while the search would go
on: the best program so far is promoted as found, with status ``stopped``.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from petri.config import EvolveSettings
from petri.evolve import journal
from petri.evolve.alternatives import Steering, contenders, guarded
from petri.evolve.breed import Alternatives, Breeder, Candidate, ModelEdits, origin_of
from petri.evolve.evaluator import Evaluator, Job, Submitter
from petri.evolve.events import (
    Baseline,
    GenerationDone,
    Promoted,
    Record,
    RunStarted,
    RunStatus,
    ShadowTested,
)
from petri.evolve.journal import RunState
from petri.evolve.minimize import ddmin
from petri.evolve.objectives import Objective, dominates, oriented, parse_objectives
from petri.evolve.recorded import record_of, scored_of
from petri.evolve.results import Result
from petri.evolve.select import Scored, pareto_front, rank_all, select
from petri.evolve.shadow import Mode, Patch, ShadowTester
from petri.evolve.timeouts import candidate_timeout
from petri.program.edits import Edit, Original
from petri.program.identity import program_id
from petri.runtime.stop import StopRequest
from petri.runtime.store import NewEvent, Store

#: Plausible patches of several edits (the first found) whose variants the search for
#: alternatives tries.
VARIED_PATCHES = 2


@dataclass(frozen=True)
class Progress:
    """What a progress display shows after each step."""

    generation: int
    evaluations: int
    max_evals: int
    best: dict[str, float]


class Engine:
    """Runs (or resumes) one evolve run whose events live in ``store`` under ``run_id``."""

    def __init__(
        self,
        run_id: str,
        store: Store,
        evaluator: Evaluator,
        settings: EvolveSettings,
        *,
        clock: Callable[[], float] = time.monotonic,
        progress: Callable[[Progress], None] = lambda _: None,
        model: ModelEdits | None = None,
        shadow: ShadowTester | None = None,
        stop: Callable[[], StopRequest | None] = lambda: None,
    ) -> None:
        self.run_id = run_id
        self.model = model  # asked for llm_edit children; None: offline
        self.store = store
        self.evaluator = evaluator
        self.settings = settings
        self.clock = clock
        self.progress = progress
        # The shadow test before promotion (evolve.shadow); None: promote on the tests alone.
        self.shadow = shadow if settings.shadow else None
        self.state = RunState(run_id)
        self.objectives: tuple[Objective, ...] = ()
        self.original: Original | None = None
        self.deadline: float | None = None
        self.stopped_by_time = False
        # A person's stop request (``petri stop``), looked for between generations.
        self.stop = stop
        self.stopped: StopRequest | None = None
        self.steering: Steering | None = None  # built at the first repair
        # The last generation's steering: asked for by _moves_left, then by its generation.
        self._steered: tuple[int, Alternatives | None] | None = None

    # -- the run -----------------------------------------------------------------------------

    def run(self, started: RunStarted) -> RunState:
        """Start the run (or continue it from its events) and drive it to its end."""
        self.state = RunState.replay(self.run_id, self.store.replay(self.run_id))
        if self.state.finished is not None:
            return self.state
        if self.state.started is None:
            self._append([journal.event(self.run_id, started)])
        assert self.state.started is not None
        self.original = Original.parse(self.state.started.source, self.state.started.donors)
        if self.settings.time_limit_s:
            self.deadline = self.clock() + self.settings.time_limit_s
        if not self._baseline():
            return self.state
        while self._should_continue():
            if not self._generation(self.state.next_generation):
                break
        self._finish()
        return self.state

    def _append(self, events: Sequence[NewEvent]) -> None:
        for event in self.store.append_many(events):
            self.state.apply(event)

    def _baseline(self) -> bool:
        """Evaluate the original once, with coverage; fix objectives and localization."""
        assert self.original is not None and self.state.started is not None
        if self.state.baseline is not None:
            self.objectives = self.state.objectives
            return True
        origin = origin_of(self.original)
        if origin.id not in self.state.born:
            self._append(journal.births(self.run_id, [origin]))
        job = Job(origin.id, origin.source, True, probe=True)
        results = self.evaluator.evaluate([job], self.deadline)
        if results is None:
            self.stopped_by_time = True
            return False
        result = results[origin.id]
        metrics = result.evaluation.metrics
        judge = self.state.started.judge
        self.objectives = parse_objectives(self.settings.objectives, judge, metrics)
        baseline = Baseline(
            weights=result.suspiciousness if self.settings.localize else {},
            objectives=self.objectives,
            test_timeout_s=candidate_timeout(result.evaluation),
        )
        record = self._record(origin, result, 1)
        events = journal.evaluations(self.run_id, [record])
        self._append([*events, journal.event(self.run_id, baseline)])
        self._report(0)
        return True

    def _should_continue(self) -> bool:
        """The search goes on, unless a person asked the run to stop (looked for only then:
        a run that ends by itself ends as it would have)."""
        if not self._search_goes_on():
            return False
        self.stopped = self.stop()
        return self.stopped is None

    def _search_goes_on(self) -> bool:
        if self.state.evaluations >= self.settings.max_evals:
            return False
        if self.deadline is not None and self.clock() > self.deadline:
            self.stopped_by_time = True
            return False
        if self.repair_mode and any(r.feasible for r in self.state.records.values()):
            return self._seeking_alternatives()
        last = self.state.last_generation
        if last is not None and last.exhausted:
            return False
        stale = last.stale if last is not None else 0
        if self.repair_mode:
            patience = self.settings.repair_patience
            return not (patience and stale >= patience and self._partial_repair())
        return stale < self.settings.patience

    def _seeking_alternatives(self) -> bool:
        """After the first repair, the search goes on for other plausible patches with a share
        of the budget, for the shadow test to choose from."""
        if self.shadow is None:
            return False
        first = min(r.n for r in self.state.records.values() if r.feasible)
        share = int(self.settings.shadow_share * self.settings.max_evals)
        if self.state.evaluations >= first + share:
            return False
        last = self.state.last_generation
        stale = last.stale if last is not None else 0
        return stale < self.settings.patience or self._moves_left()

    def _moves_left(self) -> bool:
        """Some move of the search for alternatives (a fixed list: transplants, then every
        one-token edit of the patches' lines, then the variants of the patches of several
        edits) still makes a new program. Patience does not cut that walk short: alternatives
        rarely change the front (they pass the same tests, at about the same size), and the fix
        a patch stands in for is often the next move."""
        assert self.original is not None
        g = self.state.next_generation
        alternatives = self._alternatives(g)
        if alternatives is None:
            return False
        seen = self.state.seen_before(g)
        for edits in alternatives.walk():
            source = self.original.apply(edits)
            if source is not None and program_id(source) not in seen:
                return True
        return False

    @property
    def repair_mode(self) -> bool:
        """True when the original fails its judge: the run looks for a repair."""
        origin = self._origin_record()
        return origin is not None and not origin.feasible

    def _partial_repair(self) -> bool:
        """Some candidate passes more tests than the original (but not all of them)."""
        origin = self._origin_record()
        if origin is None:
            return False
        best = self._best(list(self.state.records.values()))
        return best.passed > origin.passed

    def _origin_record(self) -> Record | None:
        origin = self.state.origin
        return None if origin is None else self.state.records.get(origin.id)

    # -- one generation ----------------------------------------------------------------------

    def _generation(self, g: int) -> bool:
        assert self.original is not None
        rng = random.Random(f"{self.settings.seed}:{g}")
        population = self._population()
        pick = {pid: i for i, pid in enumerate(p.id for p in population)}
        budget = self.settings.max_evals - self.state.evaluations
        s = self.settings
        breeder = Breeder(
            self.original, weights=self.state.weights or None, ops=s.operator_names(),
            max_edits=s.max_edits, crossover_rate=s.crossover_rate, model=self.model,
            hints={p.id: r.hints for p in population if (r := self.state.records.get(p.id))},
            named={p.id: r.named for p in population if (r := self.state.records.get(p.id))},
            crashed={p.id: r.crashed for p in population if (r := self.state.records.get(p.id))},
        )  # fmt: skip
        seen = self.state.seen_before(g)
        n = min(self.settings.offspring, budget)
        elite = self._elite(population)
        streaming = isinstance(self.evaluator, Submitter)
        children = breeder.children(
            population, pick=pick, n=n, rng=rng, seen=seen, generation=g, elite=elite,
            born_hook=self._born if streaming else lambda _: None,
            alternatives=self._alternatives(g),
        )  # fmt: skip
        if not streaming:
            self._births(children)
        jobs = [self._job(c) for c in children]
        results = self.evaluator.evaluate(jobs, self.deadline)
        if results is None:
            self.stopped_by_time = True
            return False
        start = self.state.evaluations + 1
        records = [self._record(c, results[c.id], start + i) for i, c in enumerate(children)]
        done = self._selection(g, population, children, records)
        self._append([*journal.evaluations(self.run_id, records), done])
        self._report(g)
        return bool(children)

    def _alternatives(self, g: int) -> Alternatives | None:
        """Once a repair run is repaired: what steers its search for other plausible patches
        (``evolve.alternatives``), from the edits of those it found (worked out once per
        generation: nothing it reads changes before the generation breeds)."""
        if self._steered is None or self._steered[0] != g:
            self._steered = g, self._steer(g)
        return self._steered[1]

    def _steer(self, g: int) -> Alternatives | None:
        assert self.original is not None
        if not self.repair_mode:
            return None
        feasible = [self.state.born[r.id] for r in self.state.records.values() if r.feasible]
        tabu = frozenset(e for c in feasible for e in c.edits)
        if not tabu:
            return None
        if self.steering is None:
            self.steering = Steering(self.original, self.settings.operator_names())
        patches = self._needed(feasible, g)
        born = (c for c in self.state.born.values() if c.generation < g)
        return self.steering.steer(self.state.weights, tabu, born, patches)

    def _needed(self, feasible: list[Candidate], g: int) -> list[tuple[Edit, ...]]:
        """The first ``VARIED_PATCHES`` plausible patches of several edits, minimized, that
        still need several: the search for alternatives tries their variants. A patch with a
        neutral edit beside the fix would only multiply variants that pass as well. The
        programs minimizing tries are born in generation ``g - 1``, so that the breeder of
        generation ``g`` sees them (and again on resume)."""
        several = [c for c in feasible if len(c.edits) > 1][:VARIED_PATCHES]
        minimized = (self._minimize(c, self.state.records[c.id], g - 1) for c in several)
        return [m.edits for m in minimized if len(m.edits) > 1]

    def _job(self, child: Candidate) -> Job:
        return Job(child.id, child.source, test_timeout_s=self.state.test_timeout_s)

    def _births(self, children: Sequence[Candidate]) -> None:
        fresh = [c for c in children if c.id not in self.state.born]
        if fresh:
            self._append(journal.births(self.run_id, fresh))

    def _born(self, child: Candidate) -> None:
        """Record a child's birth and queue its evaluation at once, so that workers judge it
        while its siblings are bred; its result is awaited with theirs."""
        assert isinstance(self.evaluator, Submitter)
        self._births([child])
        self.evaluator.submit([self._job(child)])

    def _population(self) -> list[Candidate]:
        ids = self.state.population()
        if not ids:
            ids = [c.id for c in self.state.born.values() if c.op == "original"]
        return [self.state.born[i] for i in ids]

    def _elite(self, population: list[Candidate]) -> list[Candidate]:
        """The members of ``population``'s best front, in population order."""
        scored = [
            scored_of(self.state.records[p.id]) for p in population if p.id in self.state.records
        ]
        fronts = rank_all(scored, self.objectives)
        best = {s.id for s in fronts[0]} if fronts else set()
        return [p for p in population if p.id in best]

    def _record(self, candidate: Candidate, result: Result, n: int) -> Record:
        assert self.original is not None
        return record_of(
            candidate, result.evaluation, n, objectives=self.objectives, original=self.original
        )

    def _selection(
        self, g: int, population: list[Candidate], children: list[Candidate], new: list[Record]
    ) -> NewEvent:
        ran = self.state.weights
        pool = [scored_of(self.state.records[p.id], ran) for p in population]
        pool += [scored_of(r, ran) for r in new]
        survivors = sorted(select(pool, self.settings.population, self.objectives), key=Scored.key)
        previous = self.state.last_generation
        # The front of everything evaluated so far: the last front (at first, the original)
        # plus this generation's.
        origin = self._origin_record()
        first = [origin.id] if origin is not None else []
        archived = previous.front if previous is not None else first
        archive = [scored_of(self.state.records[i]) for i in archived]
        front = pareto_front(archive + [scored_of(r) for r in new], self.objectives)
        best = self._best([*self.state.records.values(), *new])
        # Distinct objective vectors, as lists: the previous one comes back from JSON.
        names = [o.name for o in self.objectives]
        signature = [
            list(v) for v in sorted({tuple(s.objectives[n] for n in names) for s in front})
        ]
        stale = 0
        if previous is not None and signature == previous.signature:
            stale = previous.stale + 1
        done = GenerationDone(
            generation=g,
            population=[s.id for s in survivors],
            front=[s.id for s in front],
            best=best.id,
            best_objectives=best.objectives,
            evaluations=self.state.evaluations + len(new),
            signature=signature,
            stale=stale,
            exhausted=not children,
        )
        return journal.event(self.run_id, done)

    def _best(self, records: Sequence[Record]) -> Record:
        """Feasible first, then objectives in the order listed (lexicographic), then birth."""
        feasible = [r for r in records if r.feasible] or list(records)
        return min(feasible, key=lambda r: (_oriented(r, self.objectives), r.n))

    def _report(self, g: int) -> None:
        best = self._best(list(self.state.records.values()))
        self.progress(Progress(g, self.state.evaluations, self.settings.max_evals, best.objectives))

    # -- the end -----------------------------------------------------------------------------

    def _finish(self) -> None:
        if self.state.promoted is not None:
            return
        best = self._best(list(self.state.records.values()))
        candidate = self.state.born[best.id]
        # A person's stop ends the run now: its best as found, not minimized nor shadow-tested.
        polish = self.stopped is None and best.feasible and bool(candidate.edits)
        if polish and self.shadow is not None:
            best = self._shadowed()
            candidate = self.state.born[best.id]
        elif polish:
            candidate = self._minimize(candidate, best)
            best = self.state.records[candidate.id]
        promoted = Promoted(id=best.id, objectives=best.objectives, status=self._status(best))
        self._append([journal.event(self.run_id, promoted)])

    def _shadowed(self) -> Record:
        """The plausible patch the shadow test promotes: the best few, each minimized, run
        beside the original on inputs the tests never tried (see ``evolve.shadow``)."""
        assert self.shadow is not None
        if self.state.shadow is None:
            patches = self._contenders()
            origin = self.state.origin
            if not patches or origin is None:  # improve mode: nothing beats the original
                best = self._best(list(self.state.records.values()))
                return self.state.records[self._minimize(self.state.born[best.id], best).id]
            mode: Mode = "repair" if self.repair_mode else "improve"
            original = Patch(origin.id, origin.source)
            tested = self.shadow.test(original, patches, mode, self.settings.seed)
            guarded = self._guarded(tested) if mode == "repair" else []
            if guarded:
                patches = [*patches, *guarded]
                tested = self.shadow.test(original, patches, mode, self.settings.seed)
            self._append([journal.event(self.run_id, tested)])
        assert self.state.shadow is not None
        return self.state.records[self.state.shadow.chosen]

    def _guarded(self, tested: ShadowTested) -> list[Patch]:
        """The chosen patch with each guard for the empty input that passes the tests
        (``alternatives.guarded``), when the shadow test saw an answer of it crash or break an
        invariant: they join the contenders, unminimized (the tests never need a guard)."""
        assert self.original is not None
        chosen = next((p for p in tested.patches if p.id == tested.chosen), None)
        if chosen is None or not (chosen.crashes or chosen.violations or tested.shared):
            return []
        ops = self.settings.operator_names()
        if ops is not None and "guard_add" not in ops:
            return []
        original, candidate = self.original, self.state.born[chosen.id]

        def passing(edits: list[Edit]) -> Candidate | None:
            child = self._evaluate_one(original, edits, candidate, None, "guard")
            return child if child is not None and self.state.records[child.id].feasible else None

        return guarded(original, candidate, passing)

    def _contenders(self) -> list[Patch]:
        """Up to ``shadow_patches`` distinct minimized patches of the best feasible records, in
        the order of ``_best`` (``alternatives.contenders``); in improve mode only those that
        beat the original."""
        assert self.original is not None
        origin = self._origin_record()
        records = [r for r in self.state.records.values() if r.feasible and r is not origin]
        if not self.repair_mode and origin is not None:
            records = [r for r in records if self._dominates(r, origin)]
        records.sort(key=lambda r: (_oriented(r, self.objectives), r.n))
        ordered = [(self.state.born[r.id], r) for r in records]
        return contenders(
            self.original.source, ordered, self._minimize, self.settings.shadow_patches
        )

    def _status(self, best: Record) -> RunStatus:
        """repaired | improved | unchanged | budget_exhausted | stopped (see the README's
        evolve tour)."""
        if self.stopped is not None:
            return "stopped"
        origin = self._origin_record()
        out_of_budget = self.stopped_by_time or self.state.evaluations >= self.settings.max_evals
        if self.repair_mode and best.feasible:
            return "repaired"
        if not self.repair_mode and origin is not None and self._dominates(best, origin):
            return "improved"
        return "budget_exhausted" if out_of_budget else "unchanged"

    def _dominates(self, a: Record, b: Record) -> bool:
        return dominates(a.objectives, b.objectives, self.objectives)

    def _minimize(
        self, best: Candidate, record: Record, generation: int | None = None
    ) -> Candidate:
        """``best`` with the fewest edits that keep its objectives (``ddmin``); the programs it
        tries are born in ``generation`` (default: the next)."""
        assert self.original is not None
        original = self.original
        keep = {o.name for o in self.objectives} - {"patch_size", "runtime"}
        found: dict[tuple[Edit, ...], Candidate] = {}

        def works(edits: list[Edit]) -> bool:
            child = self._evaluate_one(original, edits, best, generation)
            if child is None:
                return False
            rec = self.state.records[child.id]
            found[tuple(edits)] = child
            by_name = {o.name: o for o in self.objectives}
            return rec.feasible and not any(
                by_name[k].better(record.objectives[k], rec.objectives[k]) for k in keep
            )

        minimal = ddmin(list(best.edits), works)
        return found.get(tuple(minimal), best) if len(minimal) < len(best.edits) else best

    def _evaluate_one(
        self,
        original: Original,
        edits: list[Edit],
        parent: Candidate,
        generation: int | None,
        op: str = "minimize",
    ) -> Candidate | None:
        source = original.apply(edits)
        if source is None:
            return None
        pid = program_id(source)
        if pid not in self.state.born:
            gen = self.state.next_generation if generation is None else generation
            child = Candidate(pid, tuple(edits), (parent.id,), op, gen, source)
            self._append(journal.births(self.run_id, [child]))
        child = self.state.born[pid]
        if pid not in self.state.records:
            job = Job(pid, source, test_timeout_s=self.state.test_timeout_s)
            results = self.evaluator.evaluate([job], None)
            assert results is not None
            record = self._record(child, results[pid], self.state.evaluations + 1)
            self._append(journal.evaluations(self.run_id, [record]))
        return child


def _oriented(record: Record, objectives: Sequence[Objective]) -> tuple[float, ...]:
    return oriented(record.objectives, objectives)
