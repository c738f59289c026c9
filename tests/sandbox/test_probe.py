"""The probe: a program whose tests loop forever is judged in a few short rounds, and what
finishes is reported as a plain evaluation reports it."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from petri.config import Limits, SandboxSettings
from petri.sandbox import JudgeSpec, Status, TestOutcome, WorkerPool
from petri.sandbox.probe import probe

ProblemWriter = Callable[..., Path]

TESTS = """
    import pytest

    from prog import work


    @pytest.mark.parametrize("n", range(6))
    def test_work(n):
        assert work(n) == n
"""
GOOD = "def work(n):\n    return n\n"
HANGS = "def work(n):\n    while n >= 0:\n        n //= 10\n    return n\n"
HANGS_ON_ZERO = "def work(n):\n    while n == 0:\n        pass\n    return n\n"
SLOW = "import time\n\n\ndef work(n):\n    time.sleep(0.3)\n    return n\n"
IMPORT_HANGS = "while True:\n    pass\n"
SLOW_AFTER_A_HANG = """\
import os
import time

MARKER = os.path.join(os.path.dirname(__file__), "hung")  # the evaluation's private /tmp
if os.path.exists(MARKER):
    time.sleep(0.1)


def work(n):
    if n == 0:
        open(MARKER, "w").close()
        while True:
            pass
    return n
"""
SLOW_IMPORT_THEN_HANGS = "import time\n\ntime.sleep(0.1)\n" + HANGS
#: Timeouts 0.05 s, then 0.2 s, 0.8 s and the 1 s limit: four rounds at most for one test.
LIMITS = Limits(test_timeout_s=1.0, probe_timeout_s=0.05, probe_growth=4)


@pytest.fixture(scope="module")
def pool(write_problem: ProblemWriter) -> Iterator[WorkerPool]:
    root = write_problem({"prog.py": GOOD, "tests/test_prog.py": TESTS}, name="probe")
    with WorkerPool(JudgeSpec(root, "prog.py", "tests"), LIMITS, SandboxSettings(workers=1)) as p:
        yield p


@pytest.fixture
def rounds(pool: WorkerPool, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The options of every evaluation the probe asks the pool for, in order."""
    calls: list[dict[str, Any]] = []
    evaluate = pool.evaluate

    def counted(source: str, **options: Any) -> Any:
        calls.append(options)
        return evaluate(source, **options)

    monkeypatch.setattr(pool, "evaluate", counted)
    return calls


def test_a_program_whose_tests_all_hang_costs_one_round_per_timeout(
    pool: WorkerPool, rounds: list[dict[str, Any]]
) -> None:
    evaluation = probe(pool, HANGS)
    assert evaluation.status is Status.TIMEOUT
    assert [t.outcome for t in evaluation.tests] == [TestOutcome.TIMEOUT] * 6
    # Every test once at the probe's timeout, then one test at a time at 0.2, 0.8 and 1 s.
    assert [r["test_timeout_s"] for r in rounds] == [0.05, 0.2, 0.8, None]
    assert [len(r["select"]) for r in rounds[1:]] == [1, 1, 1]
    assert len({r["select"][0] for r in rounds[1:]}) == 3  # a different test each time
    hung = [t for t in evaluation.tests if t.message == "exceeded 1 s"]
    assert [t.name for t in hung] == rounds[-1]["select"]
    cut = [t for t in evaluation.tests if t not in hung]
    # Each says the timeout it last exceeded, and which test ran past the limit.
    note = rf"exceeded 0\.(05|2|8) s; {re.escape(hung[0].name.rpartition('::')[2])} ran past 1 s"
    assert all(re.fullmatch(note, t.message) for t in cut), [t.message for t in cut]
    assert "exceeded 1 s" in evaluation.message


def test_tests_that_finish_at_once_are_reported_as_they_are(
    pool: WorkerPool, rounds: list[dict[str, Any]]
) -> None:
    evaluation = probe(pool, HANGS_ON_ZERO)
    assert evaluation.status is Status.TIMEOUT
    outcomes = {t.name.rpartition("::")[2]: t.outcome for t in evaluation.tests}
    assert outcomes.pop("test_work[0]") is TestOutcome.TIMEOUT
    assert set(outcomes.values()) == {TestOutcome.PASSED}
    assert len(rounds) == 4  # the five passes are never run again
    assert [t.name for t in evaluation.tests] == list(pool.units)  # collection order


def test_slow_tests_pass_once_the_timeout_has_grown(
    pool: WorkerPool, rounds: list[dict[str, Any]]
) -> None:
    evaluation = probe(pool, SLOW)
    assert evaluation.status is Status.OK
    assert evaluation.passed == 6
    # All cut at first; one passes with a longer timeout, then all the others with it.
    assert rounds[0]["test_timeout_s"] == 0.05
    assert len(rounds[-1]["select"]) == 5


def test_a_program_whose_import_hangs_times_out(
    pool: WorkerPool, rounds: list[dict[str, Any]]
) -> None:
    evaluation = probe(pool, IMPORT_HANGS)
    assert evaluation.status is Status.TIMEOUT
    assert evaluation.passed == 0 and evaluation.failed == 6
    assert len(rounds) == 4


def test_tests_cut_while_importing_are_timeouts_once_a_test_hangs(pool: WorkerPool) -> None:
    evaluation = probe(pool, SLOW_IMPORT_THEN_HANGS)
    assert evaluation.status is Status.TIMEOUT
    assert [t.outcome for t in evaluation.tests] == [TestOutcome.TIMEOUT] * 6
    assert all(t.duration_s > 0 for t in evaluation.tests)  # what a candidate's timeout scales


def test_tests_a_slow_import_kept_from_starting_are_run_again(pool: WorkerPool) -> None:
    # test_work[0] hangs; the fresh process for the tests after it imports too slowly for the
    # probe's first timeout, so they never start: they are retried, not failed.
    evaluation = probe(pool, SLOW_AFTER_A_HANG)
    outcomes = [t.outcome for t in evaluation.tests]
    assert outcomes == [TestOutcome.TIMEOUT] + [TestOutcome.PASSED] * 5


def test_a_program_that_finishes_is_reported_as_a_plain_evaluation_reports_it(
    pool: WorkerPool,
) -> None:
    probed, plain = probe(pool, GOOD, coverage=True), pool.evaluate(GOOD, coverage=True)
    assert probed.status is plain.status is Status.OK
    assert [(t.name, t.outcome) for t in probed.tests] == [(t.name, t.outcome) for t in plain.tests]
    assert probed.coverage == plain.coverage


def test_coverage_of_every_round_is_kept(pool: WorkerPool) -> None:
    evaluation = probe(pool, SLOW, coverage=True)
    assert sorted(evaluation.coverage) == sorted(pool.units)


def test_without_a_probe_timeout_every_test_gets_the_limit(write_problem: ProblemWriter) -> None:
    root = write_problem({"prog.py": GOOD, "tests/test_prog.py": TESTS}, name="noprobe")
    limits = Limits(test_timeout_s=0.5, probe_timeout_s=0)
    with WorkerPool(JudgeSpec(root, "prog.py", "tests"), limits, SandboxSettings(workers=1)) as p:
        evaluation = probe(p, HANGS_ON_ZERO)
    [hung] = [t for t in evaluation.tests if t.outcome is TestOutcome.TIMEOUT]
    assert hung.message == "exceeded 0.5 s"
    assert evaluation.passed == 5
