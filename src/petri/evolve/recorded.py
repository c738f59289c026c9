"""What a run keeps of each evaluation (``events.Record``), and how selection sees a record.

A record holds what breeding and selection read later, so that a resumed run, which reads the
records back from the log instead of judging again, breeds and selects as the uninterrupted
one: the objectives, the tests' behaviour, and what the crashes of its failing tests say
(``evolve.crash_hints``: the operators they point at, the names they could not find, the
original's lines they were raised on).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from petri.evolve.breed import Candidate
from petri.evolve.crash_hints import crash_lines, hints_of, named_of, original_lines
from petri.evolve.events import Record
from petri.evolve.objectives import Objective, measure
from petri.evolve.select import Scored
from petri.program.edits import Original
from petri.sandbox.outcome import Evaluation


def record_of(
    candidate: Candidate,
    evaluation: Evaluation,
    n: int,
    *,
    objectives: Sequence[Objective],
    original: Original,
) -> Record:
    """``candidate``'s record, the ``n``-th evaluation of its run."""
    values = measure(objectives, evaluation, candidate.source, len(candidate.edits))
    return Record(
        id=candidate.id,
        status=evaluation.status,
        objectives=values,
        passed=evaluation.passed,
        failed=evaluation.failed,
        duration_s=evaluation.duration_s,
        n=n,
        behaviour=evaluation.behaviour(),
        memory_bytes=evaluation.peak_memory_bytes,
        hints=hints_of(evaluation),
        named=named_of(evaluation),
        crashed=original_lines(original.source, candidate.source, crash_lines(evaluation)),
    )


def scored_of(record: Record, ran: Collection[int] = ()) -> Scored:
    """``record`` as selection sees it; ``ran``: the lines the original's tests ran (its
    localization), against which a crash elsewhere got further (none known: none did)."""
    reached = bool(ran) and any(line not in ran for line in record.crashed)
    return Scored(record.id, dict(record.objectives), record.feasible, record.behaviour, reached)
