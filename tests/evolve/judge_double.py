"""An in-process judge double for evolve's engine (trusted test code only): ``largest`` with
a wrong comparison, five cases, and an evaluator that judges them in this process."""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from petri.evolve.evaluator import Job
from petri.evolve.events import RunStarted
from petri.evolve.results import Result
from petri.sandbox.outcome import Evaluation, Status, TestOutcome, TestResult

BUGGY = '''def largest(xs):
    """The largest item of a non-empty list."""
    best = xs[0]
    for x in xs:
        if x < best:  # the bug: keeps the smallest
            best = x
    return best
'''

CASES = [([1, 5, 3], 5), ([7], 7), ([2, 2], 2), ([-1, -5], -1), ([0, 9, 8], 9)]


class Overran(BaseException):  # the cases suppress Exception
    """A candidate of the double ran too long (e.g. ``xs.append(x)`` inside ``for x in xs``)."""


def _overran(signum: int, frame: object) -> None:
    raise Overran


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """The double's stand-in for the sandbox's timeouts (main thread only, as pytest runs)."""
    previous = signal.signal(signal.SIGALRM, _overran)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def judge(source: str) -> Evaluation:
    """Runs the cases in-process: the double for the sandboxed evaluation task."""
    with time_limit(0.5):
        try:
            return _judge(source)
        except Overran:
            timeouts = [case(i, TestOutcome.TIMEOUT) for i in range(len(CASES))]
            return Evaluation(Status.TIMEOUT, tuple(timeouts))


def case(i: int, outcome: TestOutcome) -> TestResult:
    return TestResult(f"tests/test_largest.py::test_{i}", outcome, 0.001)


def _judge(source: str) -> Evaluation:
    namespace: dict[str, Any] = {}
    try:
        exec(compile(source, "candidate.py", "exec"), namespace)
    except Exception:
        return Evaluation(Status.INVALID)
    outcomes = []
    for i, (xs, want) in enumerate(CASES):
        good = False
        with contextlib.suppress(Exception):
            good = namespace["largest"](list(xs)) == want
        outcomes.append(case(i, TestOutcome.PASSED if good else TestOutcome.FAILED))
    failed = any(t.outcome is not TestOutcome.PASSED for t in outcomes)
    return Evaluation(Status.FAILED if failed else Status.OK, tuple(outcomes))


class FakeEvaluator:
    """Judges every job with ``judge``; raises KeyboardInterrupt (a kill) after ``fail_after``
    evaluations."""

    def __init__(self, fail_after: int | None = None) -> None:
        self.calls = 0
        self.judged: list[str] = []
        self.fail_after = fail_after

    def evaluate(self, jobs: Sequence[Job], deadline: float | None) -> dict[str, Result]:
        out = {}
        for job in jobs:
            if self.fail_after is not None and self.calls >= self.fail_after:
                raise KeyboardInterrupt("simulated kill")
            self.calls += 1
            self.judged.append(job.program_id)
            out[job.program_id] = Result(judge(job.source))
        return out


def started(source: str = BUGGY, **fields: Any) -> RunStarted:
    """What a run of ``source`` starts with (``fields`` override the defaults)."""
    defaults: dict[str, Any] = {"program": "largest.py", "judge": "tests", "problem": "/p"}
    return RunStarted(source=source, **(defaults | fields))


class StreamingEvaluator(FakeEvaluator):
    """Takes jobs as they are bred (``submit``) and judges them when awaited, last submitted
    first (workers finish in any order); ``born`` tells whether a submitted program's birth
    was already recorded."""

    def __init__(
        self,
        born: Callable[[str], bool] = lambda _: True,
        kill_at_submit: int | None = None,
        **options: Any,
    ) -> None:
        super().__init__(**options)
        self.born = born
        self.kill_at_submit = kill_at_submit
        self.submitted: list[str] = []
        self.unborn: list[str] = []

    def submit(self, jobs: Sequence[Job]) -> None:
        for job in jobs:
            if len(self.submitted) == self.kill_at_submit:
                raise KeyboardInterrupt("simulated kill while breeding")
            self.submitted.append(job.program_id)
            if not self.born(job.program_id):
                self.unborn.append(job.program_id)

    def evaluate(self, jobs: Sequence[Job], deadline: float | None) -> dict[str, Result]:
        return dict(reversed(super().evaluate(list(reversed(jobs)), deadline).items()))
