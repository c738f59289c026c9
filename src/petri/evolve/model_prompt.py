"""What ``llm_edit`` asks a model: the program (or only its EVOLVE blocks), how it fares (its
failing tests, or its metrics), and the best and a few diverse members of the best front, as
diffs against it. The answer asked for is SEARCH/REPLACE blocks."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence

from petri.evolve.breed import Candidate
from petri.llm.base import Message
from petri.program.sites import evolve_regions
from petri.sandbox.outcome import Evaluation, TestOutcome

#: Looks up the evaluation of a program by id (None when there is none yet).
Results = Callable[[str], Evaluation | None]

SYSTEM = (
    "You improve a Python program. Answer only with one or more SEARCH/REPLACE blocks:\n"
    "<<<<<<< SEARCH\nexact lines of the program\n=======\nthe lines to put instead\n"
    ">>>>>>> REPLACE\nEach SEARCH must match the program exactly once. Change as little as "
    "you can."
)
#: Longest failure message, and longest diff, shown (the ends are cut).
MESSAGE_CHARS = 400
DIFF_CHARS = 4000
#: Most failing tests listed.
FAILURES_SHOWN = 10
_NOT_FAILED = (TestOutcome.PASSED, TestOutcome.SKIPPED)


def build(
    parent: Candidate, front: Sequence[Candidate], results: Results, *, shown: int
) -> list[Message]:
    """The conversation asking for an edit of ``parent``: ``front[0]`` is the best program,
    and up to ``shown`` more members of ``front`` are chosen to differ the most."""
    parts = [_program(parent.source), _fares("How it does", results(parent.id))]
    best = front[0] if front else parent
    if best.id != parent.id:
        parts.append(_member("The best program so far", parent, best, results))
    for other in diverse(parent, best, front, shown):
        parts.append(_member("Another program on the Pareto front", parent, other, results))
    return [
        Message(role="system", content=SYSTEM),
        Message(role="user", content="\n\n".join(parts)),
    ]


def diverse(
    parent: Candidate, best: Candidate, front: Sequence[Candidate], shown: int
) -> list[Candidate]:
    """Up to ``shown`` members of ``front`` (not ``parent`` nor ``best``), each in turn the one
    whose edits differ most from those already chosen (first in front order on a tie)."""
    chosen = [parent, best]
    left = [c for c in front if c.id not in {parent.id, best.id}]
    picked: list[Candidate] = []
    while left and len(picked) < shown:
        far = max(left, key=lambda c: min(_distance(c, other) for other in chosen))
        left.remove(far)
        chosen.append(far)
        picked.append(far)
    return picked


def _distance(a: Candidate, b: Candidate) -> float:
    """Jaccard distance of two edit sets (0: the same edits)."""
    x, y = set(a.edits), set(b.edits)
    union = x | y
    return 1.0 - len(x & y) / len(union) if union else 0.0


def _program(source: str) -> str:
    lines = source.splitlines(keepends=True)
    regions = evolve_regions([line.rstrip("\r\n") for line in lines])
    if regions is None:
        return f"The program:\n```python\n{source}```"
    inside = "\n...\n".join("".join(lines[start : end - 1]) for start, end in regions)
    return (
        "Only the code between the # EVOLVE-BLOCK-START and # EVOLVE-BLOCK-END lines may "
        f"change; here it is (SEARCH only this code):\n```python\n{inside}```"
    )


def _fares(title: str, evaluation: Evaluation | None) -> str:
    if evaluation is None:
        return f"{title}: not evaluated yet."
    lines = [f"{title}: {_summary(evaluation)}."]
    failing = [t for t in evaluation.tests if t.outcome not in _NOT_FAILED]
    for test in failing[:FAILURES_SHOWN]:
        why = _cut(test.details or test.message, MESSAGE_CHARS)
        lines.append(f"- FAILING {test.name} ({test.outcome.value})" + (f": {why}" if why else ""))
    if len(failing) > FAILURES_SHOWN:
        lines.append(f"- and {len(failing) - FAILURES_SHOWN} more failing tests")
    if evaluation.message and not evaluation.tests:
        lines.append(f"- {_cut(evaluation.message, MESSAGE_CHARS)}")
    return "\n".join(lines)


def _summary(evaluation: Evaluation) -> str:
    parts = [f"status {evaluation.status.value}"]
    if evaluation.tests:
        parts.append(f"{evaluation.passed} of {len(evaluation.tests)} tests pass")
    if evaluation.metrics:
        shown = ", ".join(f"{k} = {v:.6g}" for k, v in sorted(evaluation.metrics.items()))
        parts.append(f"metrics {shown}")
    return "; ".join(parts)


def _member(title: str, parent: Candidate, other: Candidate, results: Results) -> str:
    evaluation = results(other.id)
    fares = _summary(evaluation) if evaluation is not None else "not evaluated yet"
    change = difflib.unified_diff(
        parent.source.splitlines(keepends=True),
        other.source.splitlines(keepends=True),
        "this program",
        "that program",
    )
    text = _cut("".join(change), DIFF_CHARS)
    return f"{title} ({fares}), as a diff from the program above:\n```diff\n{text}\n```"


def _cut(text: str, limit: int) -> str:
    text = text.strip()
    return text if len(text) <= limit else "..." + text[-limit:]
