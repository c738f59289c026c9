"""The typed outcome of running one candidate: failure is a status, never a metric value."""

from __future__ import annotations

import enum
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


class Status(enum.StrEnum):
    """How an evaluation ended."""

    OK = "ok"  # the judge ran to the end and everything passed
    FAILED = "failed"  # the judge ran; a test failed or errored, or evaluate() raised
    TIMEOUT = "timeout"  # a test or the whole evaluation ran out of time
    MEMORY = "memory"  # the candidate ran out of its address space
    CRASHED = "crashed"  # the candidate's process died (signal, os._exit) before reporting
    VIOLATION = "violation"  # the candidate attacked the sandbox (forged results, killed it)
    INVALID = "invalid"  # the candidate is not a usable program (syntax error, not text)


_ADDRESS = re.compile(r"0x[0-9a-fA-F]+")

#: Statuses in which the judge did not complete; tests that did not report are not passed.
ABNORMAL = frozenset({Status.TIMEOUT, Status.MEMORY, Status.CRASHED, Status.VIOLATION})


class TestOutcome(enum.StrEnum):
    """What happened to one test (pytest's outcomes, plus timeout)."""

    __test__ = False  # not a pytest test class

    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    SKIPPED = "skipped"
    TIMEOUT = "timeout"


@dataclass(frozen=True)
class TestResult:
    """One test's outcome, as reported from inside the sandbox."""

    __test__ = False

    name: str
    outcome: TestOutcome
    duration_s: float
    message: str = ""
    #: A failure as pytest renders it (traceback, assertion diff; its end, bounded); only
    #: when failure details were asked for.
    details: str = ""
    #: The program's line where the test's error was raised (its innermost frame in the
    #: program's file); 0 when it passed, failed an assertion of the test's own, or no frame of
    #: the program was on the stack.
    line: int = 0

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "name": self.name,
            "outcome": self.outcome.value,
            "duration_s": round(self.duration_s, 6),
        }
        if self.message:
            d["message"] = self.message
        if self.details:
            d["details"] = self.details
        if self.line:
            d["line"] = self.line
        return d

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TestResult:
        """Read what ``to_dict`` wrote; ``KeyError``/``ValueError`` when it is not that."""
        return cls(
            name=str(data["name"]),
            outcome=TestOutcome(data["outcome"]),
            duration_s=float(data.get("duration_s", 0.0)),
            message=str(data.get("message", "")),
            line=int(data.get("line", 0)),
        )


@dataclass(frozen=True)
class Evaluation:
    """The outcome of evaluating one candidate program against its judge."""

    status: Status
    tests: tuple[TestResult, ...] = ()
    metrics: dict[str, float] = field(default_factory=dict)
    duration_s: float = 0.0
    peak_memory_bytes: int = 0
    sandbox: str = "bwrap"
    message: str = ""
    output: str = ""
    #: what the judge handed back beside its metrics (an evaluator's logs, errors), as text
    artifacts: dict[str, str] = field(default_factory=dict)
    #: test name -> sorted line numbers of the program it ran; only when coverage was asked
    #: for and the judge is a pytest suite. A test that did not report (timeout, crash) is absent.
    coverage: dict[str, tuple[int, ...]] = field(default_factory=dict)
    #: test name -> {source file (relative to the problem) -> sorted lines it ran}; only when
    #: per-file coverage was asked for. A file whose lines the test never ran is absent.
    file_coverage: dict[str, dict[str, tuple[int, ...]]] = field(default_factory=dict)

    @property
    def passed(self) -> int:
        return sum(t.outcome is TestOutcome.PASSED for t in self.tests)

    def failures(self) -> dict[str, str]:
        """How each test that did not pass ended: ``"outcome: message"``, addresses masked (an
        object's ``0x7f...`` differs from run to run)."""
        return {
            t.name: f"{t.outcome.value}: {_ADDRESS.sub('0x?', t.message)}"
            for t in self.tests
            if t.outcome is not TestOutcome.PASSED
        }

    def behaviour(self) -> str:
        """A short digest of what every test did (``failures`` and the status): two programs
        with one digest behaved alike on the tests, as far as the tests can tell."""
        text = repr((self.status.value, sorted(self.failures().items())))
        return hashlib.blake2b(text.encode("utf-8", "replace"), digest_size=8).hexdigest()

    @property
    def failed(self) -> int:
        """Tests that ran and did not pass (failed, error or timeout); skips are not counted."""
        bad = {TestOutcome.FAILED, TestOutcome.ERROR, TestOutcome.TIMEOUT}
        return sum(t.outcome in bad for t in self.tests)

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape printed by ``petri eval --json``; ``artifacts`` only when the judge
        gave some, ``coverage`` and ``file_coverage`` only when measured."""
        data: dict[str, Any] = {
            "status": self.status.value,
            "tests": [t.to_dict() for t in self.tests],
            "passed": self.passed,
            "failed": self.failed,
            "metrics": dict(self.metrics),
            "duration_s": round(self.duration_s, 6),
            "peak_memory_bytes": self.peak_memory_bytes,
            "sandbox": self.sandbox,
            "message": self.message,
            "output": self.output,
        }
        if self.artifacts:
            data["artifacts"] = dict(self.artifacts)
        if self.coverage:
            data["coverage"] = {name: list(lines) for name, lines in self.coverage.items()}
        if self.file_coverage:
            data["file_coverage"] = {
                name: {path: list(lines) for path, lines in files.items()}
                for name, files in self.file_coverage.items()
            }
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Evaluation:
        """Read what ``to_dict`` wrote (``passed`` and ``failed`` are derived, so not read);
        ``KeyError``/``ValueError`` when it is not that."""
        return cls(
            status=Status(data["status"]),
            tests=tuple(TestResult.from_dict(t) for t in data.get("tests", ())),
            metrics={str(k): float(v) for k, v in data.get("metrics", {}).items()},
            duration_s=float(data.get("duration_s", 0.0)),
            peak_memory_bytes=int(data.get("peak_memory_bytes", 0)),
            sandbox=str(data.get("sandbox", "bwrap")),
            message=str(data.get("message", "")),
            output=str(data.get("output", "")),
            coverage={
                str(name): tuple(int(n) for n in lines)
                for name, lines in data.get("coverage", {}).items()
            },
            file_coverage={
                str(name): {
                    str(path): tuple(int(n) for n in lines) for path, lines in files.items()
                }
                for name, files in data.get("file_coverage", {}).items()
            },
        )
