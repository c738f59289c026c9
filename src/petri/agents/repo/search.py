"""The coder's work on one file: a model's edits (when configured), then ``evolve``.

Every file, the task's own included, is the task's pinned state: its round's repository plus
what the tasks it comes after promoted, whatever else was promoted meanwhile, so the search is
the same however the tasks interleave. When another task of the round promoted a change to the
file meanwhile, the result is merged onto the newer file at promotion (three-way, merge3, by
``repo.mode``); only changes to the same lines run the task again, on the newer file.
Candidates are judged in a warm sandbox pool on the task's tests only: its targets (failing
tests it should fix) and its guards (passing tests that run the file). The search is
``evolve`` itself, on the repository layout, its events kept in the run's store under a
sub-run of the task, so a worker killed mid-search resumes it where it was.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from petri.agents.agent import AgentContext
from petri.agents.models import SwarmTask
from petri.agents.repo.context import Repo, seed_for
from petri.agents.repo.diffs import changed_lines, unified
from petri.agents.repo.workspace import file_key, put_blob
from petri.config import EvolveSettings
from petri.evolve.engine import Engine
from petri.evolve.evaluator import PoolEvaluator
from petri.evolve.events import RunStarted
from petri.evolve.journal import RunState
from petri.evolve.minimize import ddmin
from petri.evolve.results import Result
from petri.evolve.tasks import judge
from petri.program.edits import Edit, Original
from petri.sandbox.outcome import TestOutcome
from petri.sandbox.pool import WorkerPool

#: What an improvement search minimizes once every test passes (all deterministic).
IMPROVE_OBJECTIVES = ["tests_passed", "complexity", "lines", "patch_size"]
#: Guard tests a search judges each candidate on (the final verdict judges them all).
SEARCH_GUARDS = 25
#: Generations a partial repair may go without a better front before the search stops: a
#: bug that another bug masks cannot be repaired whole, and should not cost the whole budget.
REPAIR_PATIENCE = 20
#: Searches a repair may run (each from the original, with another seed) within its budget.
MAX_RUNS = 3


def spread(items: Sequence[str], n: int) -> list[str]:
    """At most ``n`` of ``items``, evenly spaced (deterministic)."""
    if len(items) <= n:
        return list(items)
    step = len(items) / n
    return [items[int(i * step)] for i in range(n)]


@dataclass
class Work:
    """One coder task on one file: what it starts from and what it is judged on."""

    ctx: AgentContext
    task: SwarmTask
    rel: str
    original: str  # the file as the task's pinned state has it: what the search starts from
    base_version: int
    targets: list[str]
    guards: list[str]
    before: dict[str, str] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)  # how each test failed before
    evaluations: int = 0
    proposals: int = 0

    @classmethod
    def start(cls, ctx: AgentContext, repo: Repo, task: SwarmTask) -> Work:
        p = task.payload
        rel = str(p["file"])
        targets = [str(t) for t in p.get("targets", [])]
        guards = [str(t) for t in p.get("guards", []) if t not in targets]
        live, version = repo.current(rel)
        # A re-run after a race lost on the same lines starts from the newer file.
        original = live if task.payload.get("rebase") else repo.text(rel)
        # Made on an older state than the shared one (which a promotion moved on, so its
        # version is at least 1): the write cannot succeed as is and goes through the merge.
        base_version = version if original == live else version - 1
        repo.pins[rel] = put_blob(ctx.store, original)  # the pool judges this content
        return cls(ctx, task, rel, original, base_version, targets, guards)

    @property
    def budget(self) -> int:
        return int(self.task.payload.get("budget", 1000))


def repair_file(ctx: AgentContext, repo: Repo, task: SwarmTask) -> dict[str, Any]:
    work = Work.start(ctx, repo, task)
    with repo.pool(work.rel, workers=int(task.payload.get("pool", 1))) as pool:
        known = set(pool.units)
        select = [t for t in [*work.targets, *work.guards] if t in known] or None
        first = judge(pool, work.original, select=select)
        work.before, work.failures = _outcomes(first), _failures(first)
        if work.targets and all(work.before.get(t) == "passed" for t in work.targets):
            # An earlier change on this file (this task lost its race to it) fixed them.
            return {**_result(work, work.original, work.before), "already_passing": True}
        best = _from_model(work, pool, select) if task.payload.get("use_model") else None
        if best is None:
            # The search sees a sample of the guards; the verdict below sees all of them.
            sample = [t for t in [*work.targets, *spread(work.guards, SEARCH_GUARDS)] if t in known]
            best = _evolve(work, pool, sample or None, repair=True)
        last = judge(pool, best, select=select)
    return _result(work, best, _outcomes(last), _failures(last))


def improve_file(ctx: AgentContext, repo: Repo, task: SwarmTask) -> dict[str, Any]:
    work = Work.start(ctx, repo, task)
    with repo.pool(work.rel, workers=int(task.payload.get("pool", 1))) as pool:
        select = [t for t in work.guards if t in set(pool.units)] or None
        work.before = _outcomes(judge(pool, work.original, select=select))
        best = _evolve(work, pool, select, repair=False)
        after = _outcomes(judge(pool, best, select=select))
    return _result(work, best, after)


def _outcomes(result: Result) -> dict[str, str]:
    return {t.name: t.outcome.value for t in result.evaluation.tests}


def _failures(result: Result) -> dict[str, str]:
    """How each test that did not pass failed (``Evaluation.failures``)."""
    return result.evaluation.failures()


def _evolve(work: Work, pool: WorkerPool, select: Sequence[str] | None, *, repair: bool) -> str:
    """The best program ``evolve`` finds within the task's budget.

    A repair search that ends on a partial repair restarts from the original with another
    seed while budget is left: a partial repair found early is often a dead end (a special
    case that passes some tests), and a fresh population can still find the whole repair. The
    best run wins: a whole repair first, else the one passing the most tests, else the first.
    """
    left, runs = work.budget, list[RunState]()
    while left > 0 and len(runs) < MAX_RUNS:
        state = _one_run(work, pool, select, repair=repair, run=len(runs), budget=left)
        runs.append(state)
        left -= state.evaluations
        if not repair or _repaired(state):
            break
        if state.evaluations == 0:
            break
    work.evaluations = work.budget - left
    best = max(runs, key=_run_rank) if runs else None
    if best is None or best.promoted is None:
        return work.original
    found = best.born[best.promoted.id]
    if repair and not _repaired(best) and len(found.edits) > 1:
        return _minimal(work, pool, select, list(found.edits), found.source)
    return found.source


def _minimal(
    work: Work, pool: WorkerPool, select: Sequence[str] | None, edits: list[Edit], source: str
) -> str:
    """A partial repair with only the edits it needs (evolve minimizes whole repairs itself):
    the smallest edit list that still passes every test the search's best passed. Searches
    that took other paths to the same repair then agree on the same change."""
    original = Original.parse(work.original)
    wanted = _passing(judge(pool, source, select=select))

    def works(subset: list[Edit]) -> bool:
        candidate = original.apply(subset)
        if candidate is None:
            return False
        return wanted <= _passing(judge(pool, candidate, select=select))

    kept = ddmin(edits, works)
    return original.apply(kept) or source if len(kept) < len(edits) else source


def _passing(result: Result) -> set[str]:
    return {t.name for t in result.evaluation.tests if t.outcome is TestOutcome.PASSED}


def _repaired(state: RunState) -> bool:
    return state.promoted is not None and state.promoted.status == "repaired"


def _run_rank(state: RunState) -> tuple[int, int, int]:
    promoted = state.promoted
    record = state.records.get(promoted.id) if promoted is not None else None
    return (int(_repaired(state)), record.passed if record else 0, -len(state.generations))


def _one_run(
    work: Work,
    pool: WorkerPool,
    select: Sequence[str] | None,
    *,
    repair: bool,
    run: int,
    budget: int,
) -> RunState:
    seed = seed_for(work.ctx.config, work.task) + run
    settings = EvolveSettings(
        seed=seed,
        max_evals=budget,
        workers=0,
        objectives=[] if repair else IMPROVE_OBJECTIVES,
        repair_patience=REPAIR_PATIENCE,
    )
    evaluator = PoolEvaluator(pool, select)
    try:
        sub = f"{work.ctx.run_id}.{work.task.id}.v{work.task.version}.r{run}"
        engine = Engine(sub, work.ctx.store, evaluator, settings)
        started = RunStarted(
            source=work.original,
            program=work.rel,
            judge="tests",
            seed=seed,
            max_evals=budget,
            evolve=settings,
        )
        return engine.run(started)
    finally:
        evaluator.close()


def _from_model(work: Work, pool: WorkerPool, select: list[str] | None) -> str | None:
    """The first of the model's programs that fixes a target and breaks nothing, judged in the
    sandbox (None when no model answers, or no proposal does)."""
    from petri.agents.repo.model_coder import propose

    model = work.ctx.model
    if model is None or not getattr(model, "available", False):
        return None
    failing = {t: o for t, o in work.before.items() if o != "passed" and t in work.targets}
    messages = work.task.payload.get("messages", {})
    proposals = propose(
        model,
        work.rel,
        work.original,
        failing,
        messages=messages,
        record=work.ctx.record,
        task_id=work.task.id,
    )
    work.proposals = len(proposals)
    for source in proposals:
        if source == work.original:
            continue
        after = _outcomes(judge(pool, source, select=select))
        fixed = [t for t in work.targets if _fixed(t, work.before, after)]
        broke = [t for t, o in work.before.items() if o == "passed" and after.get(t) != o]
        if fixed and not broke:
            return source
    return None


def _fixed(test: str, before: Mapping[str, str], after: Mapping[str, str]) -> bool:
    return after.get(test) == "passed" and before.get(test) != "passed"


def _result(
    work: Work, best: str, after: Mapping[str, str], failures: Mapping[str, str] | None = None
) -> dict[str, Any]:
    before, original = work.before, work.original
    fixed = [t for t in work.targets if _fixed(t, before, after)]
    still = [t for t in work.targets if after.get(t) != "passed"]
    # Targets still failing, but otherwise than before: the change reached them.
    moved = [t for t in still if failures is not None and failures.get(t) != work.failures.get(t)]
    regressions = [t for t, o in before.items() if o == "passed" and after.get(t) != "passed"]
    result: dict[str, Any] = {
        "ok": best != original or not still,
        "file": work.rel,
        "targets": work.targets,
        "guards": len(work.guards),
        "fixed": fixed,
        "still_failing": still,
        "failing_otherwise": moved,
        "regressions": regressions,
        "evaluations": work.evaluations,
        "model_proposals": work.proposals,
        "changed_lines": changed_lines(original, best),
        "complexity": {"before": complexity(original), "after": complexity(best)},
        "diff": unified(original, best, work.rel),
    }
    if best != original:
        value = {"blob": put_blob(work.ctx.store, best), "task": work.task.id,
                 "base": put_blob(work.ctx.store, original)}  # fmt: skip
        change = {"key": file_key(work.rel), "base_version": work.base_version, "value": value}
        result["change"] = change
    return result


def complexity(source: str) -> int:
    """The file's total cyclomatic complexity (radon); 0 when it does not parse."""
    from radon.complexity import cc_visit

    try:
        return int(sum(block.complexity for block in cc_visit(source)))
    except (SyntaxError, ValueError):
        return 0
