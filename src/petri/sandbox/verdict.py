"""Turns a worker's reply into an ``Evaluation``: the one place statuses are decided."""

from __future__ import annotations

from typing import Any

from petri.sandbox.artifacts import bounded
from petri.sandbox.lines import MAX_COVERAGE_LINES, covered_files, covered_lines
from petri.sandbox.outcome import Evaluation, Status, TestOutcome, TestResult

# Most severe first: what the candidate did outranks what its tests said.
_PRECEDENCE = (
    ("invalid", Status.INVALID),
    ("violation", Status.VIOLATION),
    ("timeout", Status.TIMEOUT),
    ("memory", Status.MEMORY),
    ("crashed", Status.CRASHED),
)


def status_of(flags: set[str], tests: tuple[TestResult, ...]) -> Status:
    """The evaluation's status: the worst thing the candidate did, else what its tests said."""
    for flag, status in _PRECEDENCE:
        if flag in flags:
            return status
    good = {TestOutcome.PASSED, TestOutcome.SKIPPED}
    return Status.OK if all(t.outcome in good for t in tests) else Status.FAILED


def _tests(reply: dict[str, Any]) -> tuple[TestResult, ...]:
    return tuple(
        TestResult(
            name=str(t["name"]),
            outcome=TestOutcome(t["outcome"]),
            duration_s=float(t.get("duration_s", 0.0)),
            message=str(t.get("message", "")),
            details=str(t.get("details", "")),
            line=int(t.get("line", 0)),
        )
        for t in reply.get("tests", [])
    )


def _coverage(reply: dict[str, Any], max_line: int) -> dict[str, tuple[int, ...]]:
    """Test name -> lines, validated again here: the reply passed through the candidate's
    worker, so it is checked as if the candidate had written it."""
    tests = reply.get("tests")
    if not isinstance(tests, list):
        return {}
    found: dict[str, tuple[int, ...]] = {}
    room = MAX_COVERAGE_LINES
    for test in tests:
        if not isinstance(test, dict) or not isinstance(test.get("name"), str):
            continue
        lines = covered_lines(test.get("lines"), max_line, room)
        if lines is not None:
            found[test["name"]] = lines
            room -= len(lines)
    return found


def _file_coverage(
    reply: dict[str, Any], file_lines: dict[str, int]
) -> dict[str, dict[str, tuple[int, ...]]]:
    """Test name -> {file: lines}, checked as ``_coverage`` checks the program's lines: only
    the files of ``file_lines`` (name -> line count), within the same overall bound."""
    tests = reply.get("tests")
    if not isinstance(tests, list):
        return {}
    found: dict[str, dict[str, tuple[int, ...]]] = {}
    room = MAX_COVERAGE_LINES
    for test in tests:
        if not isinstance(test, dict) or not isinstance(test.get("name"), str):
            continue
        files = covered_files(test.get("files"), file_lines, room)
        if files is not None:
            found[test["name"]] = files
            room -= sum(len(lines) for lines in files.values())
    return found


def to_evaluation(
    reply: dict[str, Any],
    kind: str,
    jail: str,
    duration: float,
    *,
    max_line: int = 0,
    file_lines: dict[str, int] | None = None,
) -> Evaluation:
    """Build the Evaluation from a worker's reply frame; ``max_line > 0`` asks for the per-test
    coverage of a program of that many lines, ``file_lines`` (source file -> its line count)
    for the per-test coverage of each of those files."""
    tests = _tests(reply)
    status = status_of(set(reply.get("flags", [])), tests)
    message = str(reply.get("message", ""))
    if kind != "tests":  # one unit: what it said is the evaluation's message
        if tests and not message:
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
        artifacts=bounded(reply.get("artifacts")) if kind != "tests" else {},
        coverage=_coverage(reply, max_line) if max_line > 0 and kind == "tests" else {},
        file_coverage=_file_coverage(reply, file_lines) if file_lines and kind == "tests" else {},
    )
