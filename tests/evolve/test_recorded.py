"""What a run keeps of an evaluation, and how selection sees it (``petri.evolve.recorded``)."""

from __future__ import annotations

from hidden_slip import HIDDEN, RAN

from petri.evolve.breed import Candidate
from petri.evolve.events import Record
from petri.evolve.objectives import parse_objectives
from petri.evolve.recorded import record_of, scored_of
from petri.program.edits import Original
from petri.program.identity import program_id
from petri.sandbox.outcome import Evaluation, Status, TestOutcome, TestResult

#: A child with a guard before the body (two lines more) and both reads of ``x`` renamed.
CHILD = HIDDEN.replace("    out = []", "    if not items:\n        return []\n    out = []")
CHILD = CHILD.replace("if x not in out", "if item not in out").replace("out += x", "out += item")
ITERABLE = "TypeError: 'int' object is not iterable"


def test_a_record_keeps_what_the_crashes_say_at_the_originals_lines() -> None:
    child = Candidate(program_id(CHILD), (), (), "mutate", 1, CHILD)
    tests = (
        TestResult("t0", TestOutcome.FAILED, 0.01, ITERABLE, line=7),  # ``out += item``
        TestResult("t1", TestOutcome.PASSED, 0.01),
    )
    objectives = parse_objectives([], "tests")
    record = record_of(
        child, Evaluation(Status.FAILED, tests), 4, objectives=objectives,
        original=Original.parse(HIDDEN),
    )  # fmt: skip
    assert (record.id, record.n, record.passed, record.failed) == (child.id, 4, 1, 1)
    assert record.objectives["tests_passed"] == 1
    assert record.crashed == (5,)  # line 7 of the child is line 5 of the original
    assert "box" in record.hints and record.named == ()


def test_a_record_got_further_when_it_crashed_where_the_original_never_ran() -> None:
    def record(*crashed: int, status: Status = Status.FAILED) -> Record:
        return Record("p", status, {"tests_passed": 1.0}, 1, 3, 0.1, 2, crashed=crashed)

    assert scored_of(record(5), RAN).reached
    assert not scored_of(record(4), RAN).reached  # the original's tests ran line 4
    assert not scored_of(record(5)).reached  # no localization: nothing known to be unreached
    assert not scored_of(record(), RAN).reached
    assert scored_of(record(5), RAN).objectives == {"tests_passed": 1.0}
