"""Statuses are decided in one place: what the candidate did outranks what its tests said."""

from __future__ import annotations

import math
from typing import Any

import pytest

from petri.sandbox import Status, TestOutcome
from petri.sandbox.artifacts import MAX_ARTIFACT_CHARS, MAX_ARTIFACTS, MAX_TOTAL_CHARS
from petri.sandbox.verdict import to_evaluation


def reply(*outcomes: str, flags: tuple[str, ...] = (), **extra: Any) -> dict[str, Any]:
    tests = [
        {"name": f"tests/test_x.py::test_{i}", "outcome": o, "duration_s": 0.001}
        for i, o in enumerate(outcomes)
    ]
    return {"tests": tests, "flags": list(flags), **extra}


def status(*outcomes: str, flags: tuple[str, ...] = ()) -> Status:
    return to_evaluation(reply(*outcomes, flags=flags), "tests", "bwrap", 0.1).status


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        (("invalid", "violation", "timeout", "memory", "crashed"), Status.INVALID),
        (("violation", "timeout", "memory", "crashed"), Status.VIOLATION),
        (("timeout", "memory", "crashed"), Status.TIMEOUT),
        (("memory", "crashed"), Status.MEMORY),
        (("crashed",), Status.CRASHED),
        (("crashed", "violation"), Status.VIOLATION),
        (("memory", "timeout"), Status.TIMEOUT),
    ],
)
def test_flags_rank_by_severity(flags: tuple[str, ...], expected: Status) -> None:
    assert status("passed", "failed", flags=flags) is expected


@pytest.mark.parametrize("flag", ["invalid", "violation", "timeout", "memory", "crashed"])
def test_a_flag_beats_tests_that_all_passed(flag: str) -> None:
    assert status("passed", "passed", flags=(flag,)) is Status(flag)


@pytest.mark.parametrize(
    ("outcomes", "expected"),
    [
        (("passed", "passed"), Status.OK),
        (("passed", "skipped"), Status.OK),
        (("passed", "failed"), Status.FAILED),
        (("passed", "error"), Status.FAILED),
        (("passed", "timeout"), Status.FAILED),
    ],
)
def test_without_flags_the_tests_decide(outcomes: tuple[str, ...], expected: Status) -> None:
    assert status(*outcomes) is expected


def test_unknown_flags_do_not_change_the_status() -> None:
    assert status("passed", flags=("something-new",)) is Status.OK


def test_tests_and_counts_are_carried_over() -> None:
    evaluation = to_evaluation(
        reply("passed", "failed", "skipped", "error", "timeout", peak_memory_bytes=1234),
        "tests",
        "rlimits",
        0.5,
    )
    assert [t.outcome for t in evaluation.tests] == [
        TestOutcome.PASSED,
        TestOutcome.FAILED,
        TestOutcome.SKIPPED,
        TestOutcome.ERROR,
        TestOutcome.TIMEOUT,
    ]
    assert (evaluation.passed, evaluation.failed) == (1, 3)
    assert evaluation.peak_memory_bytes == 1234
    assert evaluation.sandbox == "rlimits"
    assert evaluation.duration_s == 0.5


def test_evaluate_judge_has_metrics_not_tests() -> None:
    raw = reply("passed", metrics={"score": "2.5", "up": "inf", "n": 3})
    evaluation = to_evaluation(raw, "evaluate", "bwrap", 0.1)
    assert evaluation.tests == ()
    assert evaluation.metrics == {"score": 2.5, "up": math.inf, "n": 3.0}
    assert evaluation.status is Status.OK


def test_evaluate_failure_message_comes_from_its_unit() -> None:
    raw = reply("failed")
    raw["tests"][0]["message"] = "ZeroDivisionError: division by zero"
    evaluation = to_evaluation(raw, "evaluate", "bwrap", 0.1)
    assert evaluation.status is Status.FAILED
    assert evaluation.message == "ZeroDivisionError: division by zero"


def test_artifacts_are_checked_and_bounded_like_anything_the_candidate_could_write() -> None:
    artifacts = {"log": "ok", "big": "x" * (MAX_ARTIFACT_CHARS + 50), "bad": 3, "n": None}
    raw = reply("passed", metrics={}, artifacts=artifacts)
    evaluation = to_evaluation(raw, "openevolve", "bwrap", 0.1)
    assert set(evaluation.artifacts) == {"log", "big"}  # only text is kept
    assert len(evaluation.artifacts["big"]) == MAX_ARTIFACT_CHARS
    assert evaluation.artifacts["big"].endswith("[petri: cut]")
    many = {f"a{i}": "y" * 5000 for i in range(100)}
    kept = to_evaluation(reply("passed", artifacts=many), "openevolve", "bwrap", 0.1).artifacts
    assert len(kept) <= MAX_ARTIFACTS
    assert sum(map(len, kept.values())) <= MAX_TOTAL_CHARS
    assert to_evaluation(reply("passed", artifacts="x"), "openevolve", "b", 0.1).artifacts == {}
    assert to_evaluation(reply("passed", artifacts=artifacts), "tests", "b", 0.1).artifacts == {}


def test_a_message_of_a_unit_that_passed_is_kept() -> None:
    raw = reply("passed")
    raw["tests"][0]["message"] = "cascade ended after evaluate_stage1"
    evaluation = to_evaluation(raw, "openevolve", "bwrap", 0.1)
    assert evaluation.status is Status.OK
    assert evaluation.message == "cascade ended after evaluate_stage1"


def test_dropped_output_is_noted() -> None:
    evaluation = to_evaluation(reply("passed", output="abc", dropped=99), "tests", "bwrap", 0.1)
    assert evaluation.output.startswith("abc")
    assert "99 more bytes of output dropped" in evaluation.output
