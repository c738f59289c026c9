"""Judge a program whose tests may loop forever without paying the per-test limit for each.

A program's tests usually take milliseconds, so the probe first runs every test with a short
timeout (``Limits.probe_timeout_s``). Tests that time out are either slow or endless. One of
them at a time is run again with a timeout ``Limits.probe_growth`` times longer, up to the
configured per-test limit (``Limits.test_timeout_s``):

- when it finishes, the tests still timing out are run again with that timeout;
- when it runs past the limit, it is a real timeout, and so are the tests still timing out:
  they were cut at the shorter timeout, which their messages say.

So a program whose every test loops forever costs its tests times the probe's timeout plus
about two limits, not its tests times the limit; tests that finish within the probe's timeout
(most) report exactly what a plain evaluation reports.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from petri.sandbox.outcome import Evaluation, Status, TestOutcome, TestResult
from petri.sandbox.pool import WorkerPool
from petri.sandbox.verdict import status_of
from petri.sandbox.watch import IMPORT_CUT, OUT_OF_TIME

#: Statuses a probe round can end with besides the timeouts it resolves, as verdict flags.
_FLAGS = {
    Status.INVALID: "invalid",
    Status.VIOLATION: "violation",
    Status.MEMORY: "memory",
    Status.CRASHED: "crashed",
}
#: Rounds that end so tell nothing more about timeouts: the probe stops there.
_FINAL = frozenset({Status.INVALID, Status.VIOLATION})


def probe(
    pool: WorkerPool,
    source: str,
    *,
    coverage: bool = False,
    failure_details: bool = True,
    select: Sequence[str] | None = None,
) -> Evaluation:
    """Evaluate ``source`` in ``pool`` as ``WorkerPool.evaluate`` does, with timeouts that
    start short and grow only while tests keep timing out (see the module's docstring)."""
    limits = pool.limits
    start = limits.probe_timeout_s
    if pool.spec.kind != "tests" or not 0 < start < limits.test_timeout_s:
        return pool.evaluate(
            source, coverage=coverage, failure_details=failure_details, select=select
        )
    run = _Probe(pool, source, coverage, failure_details)
    first = run.round(select, start)
    if not run.pending:
        return first
    run.climb(start)
    return run.merged(first)


class _Probe:
    """The rounds of one probe and what they found, test by test."""

    def __init__(self, pool: WorkerPool, source: str, coverage: bool, details: bool) -> None:
        self.pool = pool
        self.source = source
        self.coverage = coverage
        self.details = details
        self.found: dict[str, TestResult] = {}
        self.lines: dict[str, tuple[int, ...]] = {}
        self.pending: list[str] = []  # tests that timed out so far, in collection order
        self.cut_at: dict[str, float] = {}  # the timeout each of them last ran past
        self.rounds: list[Evaluation] = []
        self.hung = ""  # the test that ran past the limit, once one has

    def round(self, tests: Sequence[str] | None, timeout: float) -> Evaluation:
        """Run ``tests`` (None: all) with ``timeout``; keep what finished, note what did not."""
        limit = self.pool.limits.test_timeout_s
        evaluation = self.pool.evaluate(
            self.source,
            coverage=self.coverage,
            test_timeout_s=timeout if timeout < limit else None,
            stop_on_timeout=False,
            select=tests,
            failure_details=self.details,
        )
        self.rounds.append(evaluation)
        self.lines.update(evaluation.coverage)
        timed_out = _timed_out(evaluation)
        self.found.update((t.name, t) for t in evaluation.tests)  # the latest is the longest
        self.cut_at.update(dict.fromkeys(timed_out, timeout))
        finished = {t.name for t in evaluation.tests} - timed_out
        pending = [name for name in self.pending if name not in finished]
        self.pending = pending + [n for n in _names(evaluation) if n in timed_out - set(pending)]
        return evaluation

    def climb(self, start: float) -> None:
        """Retry one timed-out test at a time with a growing timeout (see the module)."""
        limit = self.pool.limits.test_timeout_s
        growth = self.pool.limits.probe_growth
        timeout, turn = start, 0
        while self.pending and not self._abnormal():
            timeout = min(limit, timeout * growth)
            test = self.pending[turn % len(self.pending)]
            self.round([test], timeout)
            if test not in self.pending:  # it finished: so may the others, now
                if self.pending:
                    self.round(list(self.pending), timeout)
            elif timeout >= limit:
                self.hung = test
                return
            turn += 1

    def _abnormal(self) -> bool:
        """The last round ended worse than a timeout: no timeout is worth retrying."""
        return self.rounds[-1].status in _FINAL

    def merged(self, first: Evaluation) -> Evaluation:
        """One evaluation of every test, in collection order, from all rounds."""
        tests = tuple(self._final(self.found[t.name]) for t in first.tests)
        flags = {_FLAGS[e.status] for e in self.rounds if e.status in _FLAGS}
        if self.pending:  # cut by a timeout still (a test's or the import's)
            flags.add("timeout")
        message = next((e.message for e in reversed(self.rounds) if e.message), "")
        return dataclasses.replace(
            first,
            status=status_of(flags, tests),
            tests=tests,
            duration_s=sum(e.duration_s for e in self.rounds),
            peak_memory_bytes=max(e.peak_memory_bytes for e in self.rounds),
            message=self._message() or message,
            coverage={t.name: self.lines[t.name] for t in tests if t.name in self.lines},
        )

    def _final(self, test: TestResult) -> TestResult:
        """A test cut short is a timeout once a test ran past the limit: also when it was its
        import, done before each fresh process's first test, that ran past the short timeout
        (with coverage on, starting coverage.py counts there)."""
        if not self.hung or test.name == self.hung or test.name not in self.pending:
            return test
        if self.found[self.hung].outcome is not TestOutcome.TIMEOUT:
            return test  # the import itself ran past the limit: reported as plainly
        limit = self.pool.limits.test_timeout_s
        hung = f"{self.hung.rpartition('::')[2]} ran past {limit:g} s"
        if test.outcome is TestOutcome.TIMEOUT:
            return dataclasses.replace(test, message=f"{test.message}; {hung}")
        cut = self.cut_at[test.name]
        message = f"exceeded {cut:g} s (with the program's import); {hung}"
        return TestResult(test.name, TestOutcome.TIMEOUT, cut, message)

    def _message(self) -> str:
        if not self.hung:
            return ""
        limit = self.pool.limits.test_timeout_s
        return f"{self.hung} exceeded {limit:g} s; {len(self.pending)} tests timed out in all"


def _timed_out(evaluation: Evaluation) -> set[str]:
    """Tests cut by a timeout: those that timed out, and those a timeout kept from starting
    (the import of the fresh process after a timeout ran past it, or time ran out)."""
    return {
        t.name
        for t in evaluation.tests
        if t.outcome is TestOutcome.TIMEOUT
        or (t.outcome is TestOutcome.ERROR and t.message.startswith((IMPORT_CUT, OUT_OF_TIME)))
    }


def _names(evaluation: Evaluation) -> list[str]:
    return [t.name for t in evaluation.tests]
