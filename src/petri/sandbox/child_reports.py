"""The worker's reading of one child's reports: each result frame is checked, then folded
into the evaluation's ``Verdict``.

The child runs candidate code, so nothing it writes is trusted: a frame must carry the
evaluation's nonce, name the test that is running and claim a known outcome, or the evaluation
is a violation; failure details and coverage lines are bounded before they are kept. Reading
the child's pipes and enforcing its deadlines is ``watch``'s part.
"""

from __future__ import annotations

from petri.sandbox.framing import FrameBuffer, FrameError
from petri.sandbox.lines import MAX_COVERAGE_LINES, covered_files, covered_lines, reported_line

TYPE_CHECKING = False  # typing stays out of the jailed worker (see sandbox.child)
if TYPE_CHECKING:
    from typing import Any

DETAILS_LIMIT = 4000  # characters of one test's rendered failure kept (its end)
MAX_DETAILS = 1 << 20  # characters of rendered failures kept per evaluation, across tests
# A frame can decode and still be unusable: JSON allows ints too long to convert (ValueError)
# and nesting too deep to decode (RecursionError). Either is the candidate tampering.
_BAD_FRAME = (FrameError, ValueError, RecursionError)


class Verdict:
    """Everything learned about one evaluation so far."""

    def __init__(self, units: list[str]) -> None:
        self.units = units
        self.results: dict[int, dict[str, Any]] = {}
        self.flags: set[str] = set()  # timeout, memory, crashed, violation, invalid
        self.message = ""
        self.output = bytearray()
        self.dropped = 0
        self.peak_rss = 0
        self.cpu_used = 0.0
        self.judge_error = ""
        self.covered = 0  # coverage lines kept so far, across tests (see MAX_COVERAGE_LINES)
        self.detailed = 0  # characters of failure details kept so far (see MAX_DETAILS)

    def record(self, index: int, outcome: str, message: str = "", duration: float = 0.0) -> None:
        self.results[index] = {"outcome": outcome, "message": message, "duration_s": duration}

    def keep_details(self, index: int, details: object) -> None:
        """A test's rendered failure, bounded (the candidate's child wrote it)."""
        room = min(DETAILS_LIMIT, MAX_DETAILS - self.detailed)
        if isinstance(details, str) and details and room > 0:
            self.results[index]["details"] = details[-room:]
            self.detailed += len(self.results[index]["details"])

    def fail_rest(self, todo: list[int], outcome: str, message: str) -> None:
        for index in todo:
            if index not in self.results:
                self.record(index, outcome, message)
        todo.clear()

    def note(self, flag: str, message: str) -> None:
        self.flags.add(flag)
        self.message = self.message or message


class ChildReports:
    """One child's result frames, folded into the verdict as they are read: which test is
    running, and by when it must report."""

    def __init__(
        self,
        todo: list[int],
        verdict: Verdict,
        *,
        nonce: str,
        unit_timeout: float,
        basis: float,
        max_line: int,
        file_lines: dict[str, int] | None,
        program: str,
    ) -> None:
        self.todo = todo
        self.verdict = verdict
        self.nonce = nonce
        self.unit_timeout = unit_timeout
        self.max_line = max_line  # > 0: coverage was asked for, of a program this many lines
        self.file_lines = file_lines  # per-file coverage: reported name -> its line count
        self.program = program  # the program's reported name when file_lines is set
        self.current: int | None = None
        self.phase = "start"  # start -> import -> tests -> done
        # Frames read now were written after the previous read began: deadlines count from
        # then, never from when the worker got round to reading them.
        self.basis = basis
        self.unit_deadline = self.basis + unit_timeout
        self.frames = FrameBuffer()

    def feed(self, data: bytes) -> None:
        """Take bytes read from the result pipe; each whole frame counts at once."""
        try:
            for frame in self.frames.feed(data):
                self._frame(frame)
        except _BAD_FRAME as exc:
            self._violation(f"the result channel was tampered with ({exc})")

    def _frame(self, frame: dict[str, Any]) -> None:
        if self.phase == "done":
            return
        if frame.get("nonce") != self.nonce:
            self._violation("a forged result frame was written to the result channel")
            return
        ev = frame.get("ev")
        handler = _HANDLERS.get(str(ev))
        if handler is None:
            self._violation(f"unknown result frame {ev!r}")
            return
        try:
            handler(self, frame)
        except (TypeError, ValueError, OverflowError) as exc:  # e.g. "duration_s": []
            self._violation(f"a malformed result frame ({type(exc).__name__})")

    def _on_invalid(self, frame: dict[str, Any]) -> None:
        self.verdict.note("invalid", str(frame.get("message", "")))
        self.verdict.fail_rest(self.todo, "error", "not run: the program is not valid Python")
        self.phase = "done"

    def _on_import(self, frame: dict[str, Any]) -> None:
        self.phase = "import"
        self.unit_deadline = self.basis + self.unit_timeout

    def _on_import_error(self, frame: dict[str, Any]) -> None:
        message = f"the program failed to import: {frame.get('message', '')}"
        if frame.get("exc") == "MemoryError":
            self.verdict.note("memory", message)
        self.verdict.message = self.verdict.message or message
        self.verdict.fail_rest(self.todo, "error", message)
        self.phase = "done"

    def _on_start(self, frame: dict[str, Any]) -> None:
        index = frame.get("i")
        if index not in self.todo or self.current is not None:
            self._violation("a result frame named a test out of order")
            return
        self.current = int(index)
        self.phase = "tests"
        self.unit_deadline = self.basis + self.unit_timeout

    def _on_result(self, frame: dict[str, Any]) -> None:
        if frame.get("i") != self.current or self.current is None:
            self._violation("a result frame named a test that was not running")
            return
        outcome = str(frame.get("outcome"))
        if outcome not in {"passed", "failed", "error", "skipped"}:
            self._violation(f"a result frame claimed outcome {outcome!r}")
            return
        if frame.get("exc") == "MemoryError":
            self.verdict.note("memory", f"{self.verdict.units[self.current]}: MemoryError")
        if frame.get("judge_error"):
            self.verdict.judge_error = str(frame["judge_error"])
        if isinstance(frame.get("metrics"), dict):
            self.verdict.results.setdefault(-1, {})["metrics"] = frame["metrics"]
        if isinstance(frame.get("artifacts"), dict):
            self.verdict.results.setdefault(-1, {})["artifacts"] = frame["artifacts"]
        duration = float(frame.get("duration_s", 0.0))
        self.verdict.record(self.current, outcome, str(frame.get("message", "")), duration)
        if "details" in frame:
            self.verdict.keep_details(self.current, frame["details"])
        if line := reported_line(frame.get("line")):
            self.verdict.results[self.current]["line"] = line
        self._keep_lines(self.current, frame)
        self.todo.remove(self.current)
        self.current = None

    def _keep_lines(self, index: int, frame: dict[str, Any]) -> None:
        """The test's program lines, when asked for; checked, since the candidate wrote them."""
        if self.file_lines is not None:
            self._keep_files(index, frame)
            return
        if not self.max_line or "lines" not in frame:
            return
        room = MAX_COVERAGE_LINES - self.verdict.covered
        lines = covered_lines(frame["lines"], self.max_line, room)
        if lines is not None:
            self.verdict.results[index]["lines"] = list(lines)
            self.verdict.covered += len(lines)

    def _keep_files(self, index: int, frame: dict[str, Any]) -> None:
        """The test's lines per source file; the program's lines, when asked for too, are its
        file's share."""
        room = MAX_COVERAGE_LINES - self.verdict.covered
        files = covered_files(frame.get("files"), self.file_lines or {}, room)
        if files is None:
            return
        result = self.verdict.results[index]
        result["files"] = {name: list(lines) for name, lines in files.items()}
        self.verdict.covered += sum(len(lines) for lines in files.values())
        if self.max_line:
            result["lines"] = list(files.get(self.program, ()))

    def _on_done(self, frame: dict[str, Any]) -> None:
        self.phase = "done"

    def _on_harness_error(self, frame: dict[str, Any]) -> None:
        """The harness failed in the child (e.g. no memory left after the candidate's test):
        the test it was running is an error, and the tests after it run in a fresh child."""
        message = f"sandbox harness error: {frame.get('message', '')}"
        self.verdict.note("memory" if frame.get("exc") == "MemoryError" else "crashed", message)
        if self.current is not None:
            self.verdict.record(self.current, "error", message[-2000:])
            self.todo.remove(self.current)
            self.current = None
        self.phase = "done"

    def _violation(self, message: str) -> None:
        self.verdict.note("violation", message)
        self.verdict.fail_rest(self.todo, "error", f"not run: {message}")
        self.current = None
        self.phase = "done"


_HANDLERS = {
    "invalid": ChildReports._on_invalid,
    "import": ChildReports._on_import,
    "import_error": ChildReports._on_import_error,
    "start": ChildReports._on_start,
    "result": ChildReports._on_result,
    "done": ChildReports._on_done,
    "harness_error": ChildReports._on_harness_error,
}
