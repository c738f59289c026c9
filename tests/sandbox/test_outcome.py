"""An evaluation read back from its JSON is the evaluation that was written."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from petri.sandbox.outcome import Evaluation, Status, TestOutcome, TestResult

# to_dict rounds durations to microseconds: the ones drawn here are already round.
_DURATION = st.integers(0, 10**9).map(lambda us: us / 10**6)
_LINES = st.lists(st.integers(1, 10_000), max_size=5, unique=True).map(lambda x: tuple(sorted(x)))
_TEST = st.builds(
    TestResult,
    st.text(min_size=1),
    st.sampled_from(TestOutcome),
    _DURATION,
    st.text(),
    line=st.integers(0, 10**6),
)
_EVALUATION = st.builds(
    Evaluation,
    status=st.sampled_from(Status),
    tests=st.lists(_TEST, max_size=4).map(tuple),
    metrics=st.dictionaries(st.text(), st.floats(allow_nan=False), max_size=3),
    duration_s=_DURATION,
    peak_memory_bytes=st.integers(0, 2**40),
    sandbox=st.sampled_from(["bwrap", "none"]),
    message=st.text(),
    output=st.text(),
    coverage=st.dictionaries(st.text(), _LINES, max_size=3),
    file_coverage=st.dictionaries(
        st.text(), st.dictionaries(st.text(min_size=1), _LINES, max_size=2), max_size=2
    ),
)


@settings(deadline=None)  # a busy machine must not fail a property
@given(_EVALUATION)
def test_an_evaluation_survives_its_json(evaluation: Evaluation) -> None:
    data = json.loads(json.dumps(evaluation.to_dict()))
    assert Evaluation.from_dict(data) == evaluation


def test_counts_are_derived_not_read() -> None:
    tests = (TestResult("t", TestOutcome.PASSED, 0.1), TestResult("u", TestOutcome.ERROR, 0.2))
    data = Evaluation(Status.FAILED, tests).to_dict() | {"passed": 7, "failed": 0}
    read = Evaluation.from_dict(data)
    assert (read.passed, read.failed) == (1, 1)


@pytest.mark.parametrize(
    "data",
    [
        {},  # no status
        {"status": "splendid"},
        {"status": "ok", "tests": [{"name": "t", "outcome": "lost", "duration_s": 0}]},
        {"status": "ok", "tests": [{"outcome": "passed"}]},  # no name
        {"status": "ok", "metrics": {"score": "high"}},
    ],
)
def test_what_is_not_an_evaluation_is_refused(data: dict[str, object]) -> None:
    with pytest.raises((KeyError, ValueError)):
        Evaluation.from_dict(data)


def test_behaviour_tells_apart_what_the_tests_saw_and_masks_addresses() -> None:
    def failing(message: str) -> Evaluation:
        tests = (
            TestResult("t_ok", TestOutcome.PASSED, 0.1),
            TestResult("t_bad", TestOutcome.FAILED, 0.2, message),
        )
        return Evaluation(Status.FAILED, tests)

    first = failing("AssertionError: assert <Node at 0x7f3a1c> == 3")
    again = failing("AssertionError: assert <Node at 0x7f9e22> == 3")
    other = failing("AssertionError: assert 4 == 3")
    assert first.failures() == {"t_bad": "failed: AssertionError: assert <Node at 0x?> == 3"}
    assert first.behaviour() == again.behaviour() != other.behaviour()
    assert Evaluation(Status.TIMEOUT, first.tests).behaviour() != first.behaviour()
