"""Candidates' per-test timeout, from what the original's tests took."""

from __future__ import annotations

from petri.evolve.timeouts import candidate_timeout
from petri.sandbox import Evaluation, Status, TestOutcome, TestResult


def _evaluation(*rows: tuple[str, float]) -> Evaluation:
    results = (TestResult(f"t{i}", TestOutcome(o), d) for i, (o, d) in enumerate(rows))
    return Evaluation(Status.FAILED, tuple(results))


def test_passing_tests_set_the_timeout_when_there_are_any() -> None:
    assert candidate_timeout(_evaluation(("passed", 0.2), ("failed", 3.0), ("timeout", 5.0))) == 2.1


def test_else_the_tests_that_finished() -> None:
    assert candidate_timeout(_evaluation(("failed", 0.3), ("error", 0.1), ("timeout", 5.0))) == 3.1


def test_else_the_shortest_timeout_a_test_exceeded_the_probes() -> None:
    assert (
        candidate_timeout(_evaluation(("timeout", 0.5), ("timeout", 5.0), ("timeout", 2.0))) == 0.5
    )


def test_never_shorter_than_a_quarter_second() -> None:
    assert candidate_timeout(_evaluation(("passed", 0.001))) == 0.25
    assert candidate_timeout(_evaluation(("timeout", 0.05))) == 0.25


def test_no_tests_no_timeout() -> None:
    assert candidate_timeout(_evaluation()) is None
