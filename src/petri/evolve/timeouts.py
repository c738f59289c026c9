"""How long a candidate's test may run: scaled to what the original's tests took.

Edits that make a loop endless are common, and a search's candidate stops at its first
timeout; so each such candidate costs its per-test timeout once. The original tells how long a
test takes: its passing tests best, else the tests that at least finished (failed), else (every
test timed out, e.g. the bug is an endless loop) the shortest timeout a test exceeded, which
is the probe's first timeout (``Limits.probe_timeout_s``; see ``petri.sandbox.probe``).
"""

from __future__ import annotations

from petri.sandbox.outcome import Evaluation, TestOutcome

#: The shortest per-test timeout a candidate gets, in seconds.
FLOOR_S = 0.25
#: A candidate's test may take this many times the original's slowest (plus a tenth second).
SCALE = 10


def candidate_timeout(baseline: Evaluation) -> float | None:
    """Per-test timeout for candidates from the original's evaluation; None (the configured
    per-test limit) when it has no tests."""
    passed = [t.duration_s for t in baseline.tests if t.outcome is TestOutcome.PASSED]
    done = passed or [
        t.duration_s
        for t in baseline.tests
        if t.outcome in (TestOutcome.FAILED, TestOutcome.ERROR) and t.duration_s > 0
    ]
    if done:
        return round(max(FLOOR_S, SCALE * max(done) + 0.1), 3)
    cut = [t.duration_s for t in baseline.tests if t.outcome is TestOutcome.TIMEOUT]
    return round(max(FLOOR_S, min(cut)), 3) if cut else None
