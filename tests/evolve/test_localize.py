"""Ochiai fault localization from per-test coverage, by hand and through the sandbox."""

from __future__ import annotations

import math
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from petri.config import Limits, SandboxSettings
from petri.evolve.localize import ochiai, suspiciousness
from petri.sandbox import Evaluation, JudgeSpec, Status, TestOutcome, TestResult, WorkerPool


def evaluation(runs: dict[str, tuple[str, tuple[int, ...] | None]]) -> Evaluation:
    """name -> (outcome, lines it ran or None when it reported no coverage)."""
    tests = tuple(
        TestResult(name, TestOutcome(outcome), 0.01) for name, (outcome, _) in runs.items()
    )
    coverage = {name: lines for name, (_, lines) in runs.items() if lines is not None}
    return Evaluation(Status.FAILED, tests=tests, coverage=coverage)


def test_scores_follow_the_ochiai_formula() -> None:
    scores = ochiai(
        evaluation(
            {
                "f1": ("failed", (1, 2, 3)),
                "f2": ("error", (1, 3)),
                "p1": ("passed", (1, 2)),
                "p2": ("passed", (1, 4)),
            }
        )
    )
    # ef / sqrt(total_failed * (ef + ep)), total_failed = 2
    assert scores == {
        1: 2 / math.sqrt(2 * 4),
        2: 1 / math.sqrt(2 * 2),
        3: 2 / math.sqrt(2 * 2),
        4: 0.0,
    }
    assert scores[3] == 1.0
    assert list(scores) == [1, 2, 3, 4]


def test_a_failing_test_without_coverage_still_counts_as_failed() -> None:
    scores = ochiai(
        evaluation({"f1": ("failed", (5,)), "t1": ("timeout", None), "p1": ("passed", (5, 6))})
    )
    assert scores == {5: 1 / math.sqrt(2 * 2), 6: 0.0}


def test_skipped_tests_and_unknown_names_count_for_nothing() -> None:
    runs = evaluation({"f1": ("failed", (1,)), "s1": ("skipped", (1, 2))})
    extra = Evaluation(runs.status, runs.tests, coverage={**runs.coverage, "ghost": (1, 3)})
    assert ochiai(extra) == {1: 1.0}


def test_duplicate_lines_in_a_test_count_once() -> None:
    assert ochiai(evaluation({"f1": ("failed", (2, 2)), "p1": ("passed", (2,))})) == {
        2: 1 / math.sqrt(2)
    }


def test_no_failure_or_no_coverage_gives_nothing() -> None:
    assert ochiai(evaluation({"p1": ("passed", (1, 2)), "s1": ("skipped", (3,))})) == {}
    assert ochiai(evaluation({"f1": ("failed", None), "p1": ("passed", None)})) == {}
    assert ochiai(Evaluation(Status.OK)) == {}


# sound(n) names the multiples of 3 and 5; line 7 is the bug ("Buz").
FIZZ = """\
def sound(n):
    if n % 15 == 0:
        return "FizzBuzz"
    if n % 3 == 0:
        return "Fizz"
    if n % 5 == 0:
        return "Buz"
    return str(n)


def sounds(upto):
    return [sound(n) for n in range(1, upto + 1)]
"""
TESTS = """
    import pytest

    from fizz import sound, sounds


    @pytest.mark.parametrize(
        ("n", "expected"), [(1, "1"), (3, "Fizz"), (9, "Fizz"), (15, "FizzBuzz")]
    )
    def test_sound(n, expected):
        assert sound(n) == expected


    def test_five():
        assert sound(5) == "Buzz"


    def test_twenty():
        assert sound(20) == "Buzz"


    def test_first_four():
        assert sounds(4) == ["1", "2", "Fizz", "4"]
"""


@pytest.fixture(scope="module")
def fizz_pool(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WorkerPool]:
    root = tmp_path_factory.mktemp("fizz")
    (root / "tests").mkdir()
    (root / "fizz.py").write_text(FIZZ)
    (root / "tests" / "test_fizz.py").write_text(textwrap.dedent(TESTS))
    spec = JudgeSpec(root, "fizz.py", "tests")
    with WorkerPool(spec, Limits(), SandboxSettings(workers=1)) as pool:
        yield pool


def test_the_buggy_line_ranks_highest(fizz_pool: WorkerPool) -> None:
    scores = suspiciousness(fizz_pool, FIZZ)
    assert scores[7] == 1.0  # run by both failing tests, and by no passing one
    assert all(score < scores[7] for line, score in scores.items() if line != 7)
    assert set(scores) <= set(range(1, FIZZ.count("\n") + 1))


def test_a_passing_program_has_nothing_to_localize(fizz_pool: WorkerPool) -> None:
    assert suspiciousness(fizz_pool, FIZZ.replace('"Buz"', '"Buzz"')) == {}


def test_an_evaluate_judge_gives_no_scores(tmp_path: Path) -> None:
    (tmp_path / "solve.py").write_text("X = 1\n")
    (tmp_path / "evaluate.py").write_text("def evaluate(path):\n    raise ValueError('no')\n")
    spec = JudgeSpec(tmp_path, "solve.py", "evaluate")
    with WorkerPool(spec, Limits(), SandboxSettings(workers=1)) as pool:
        assert suspiciousness(pool, "X = 2\n") == {}
