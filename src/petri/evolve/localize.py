"""Fault localization: which lines of a program its failing tests point at.

Spectrum-based, with the Ochiai formula: a line run by many failing tests and few passing ones
is suspicious. The per-test line coverage comes from the sandbox (``coverage=True``), so the
program runs jailed like any candidate. Mutation operators use the scores as weights.
"""

from __future__ import annotations

import math
from collections import Counter

from petri.sandbox.outcome import Evaluation, TestOutcome
from petri.sandbox.pool import WorkerPool

#: Outcomes that count as a failing test; skipped tests count as neither failing nor passing.
FAILING = frozenset({TestOutcome.FAILED, TestOutcome.ERROR, TestOutcome.TIMEOUT})


def ochiai(evaluation: Evaluation) -> dict[int, float]:
    """line -> suspiciousness in [0, 1] (Ochiai: ef / sqrt(total_failed * (ef + ep))) from the
    per-test coverage of an evaluation; failed = outcome failed/error/timeout; empty when no
    test failed or no coverage.

    ``total_failed`` counts every failing test, also one without coverage (a test that timed
    out reports no lines): that scales every score alike and keeps the ranking. Every line some
    passing or failing test ran gets a score, in line order; a line only passing tests ran
    scores 0.
    """
    outcomes = {t.name: t.outcome for t in evaluation.tests}
    total_failed = sum(outcome in FAILING for outcome in outcomes.values())
    if total_failed == 0 or not evaluation.coverage:
        return {}
    ef: Counter[int] = Counter()
    ep: Counter[int] = Counter()
    for name, lines in evaluation.coverage.items():
        outcome = outcomes.get(name)
        if outcome in FAILING:
            ef.update(set(lines))
        elif outcome is TestOutcome.PASSED:
            ep.update(set(lines))
    return {
        line: ef[line] / math.sqrt(total_failed * (ef[line] + ep[line]))
        for line in sorted(ef.keys() | ep.keys())
    }


def suspiciousness(problem_pool: WorkerPool, source: str) -> dict[int, float]:
    """Evaluate ``source`` with per-test coverage in ``problem_pool``; its Ochiai scores
    (empty when every test passes, or the judge is not a pytest suite)."""
    return ochiai(problem_pool.evaluate(source, coverage=True, failure_details=False))
