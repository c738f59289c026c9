"""Turns a worker's reply into an ``Evaluation``: the one place statuses are decided."""

from __future__ import annotations

from typing import Any

from petri.sandbox.outcome import Evaluation, Status, TestOutcome, TestResult

# Most severe first: what the candidate did outranks what its tests said.
_PRECEDENCE = (
    ("invalid", Status.INVALID),
    ("violation", Status.VIOLATION),
    ("timeout", Status.TIMEOUT),
    ("memory", Status.MEMORY),
    ("crashed", Status.CRASHED),
)


def to_evaluation(reply: dict[str, Any], kind: str, jail: str, duration: float) -> Evaluation:
    tests = tuple(
        TestResult(
            name=str(t["name"]),
            outcome=TestOutcome(t["outcome"]),
            duration_s=float(t.get("duration_s", 0.0)),
            message=str(t.get("message", "")),
        )
        for t in reply.get("tests", [])
    )
    flags = set(reply.get("flags", []))
    status = next((s for flag, s in _PRECEDENCE if flag in flags), None)
    if status is None:
        good = {TestOutcome.PASSED, TestOutcome.SKIPPED}
        status = Status.OK if all(t.outcome in good for t in tests) else Status.FAILED
    message = str(reply.get("message", ""))
    if kind == "evaluate":
        if tests and tests[0].outcome is not TestOutcome.PASSED and not message:
            message = tests[0].message
        tests = ()
    output = str(reply.get("output", ""))
    if reply.get("dropped"):
        output += f"\n[petri: {reply['dropped']} more bytes of output dropped]"
    return Evaluation(
        status=status,
        tests=tests,
        metrics={str(k): float(v) for k, v in dict(reply.get("metrics", {})).items()},
        duration_s=duration,
        peak_memory_bytes=int(reply.get("peak_memory_bytes", 0)),
        sandbox=jail,
        message=message,
        output=output,
    )
