"""The host side of the sandbox: a pool of warm, jailed workers that evaluate candidates.

Each worker is a long-lived jailed interpreter that has already imported pytest and collected
the problem's tests; a candidate costs one fork in it, not an interpreter start. A worker that
dies (or that a candidate stopped) is killed whole and replaced.
"""

from __future__ import annotations

import os
import queue
import secrets
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from petri.config import Limits, SandboxSettings
from petri.errors import JudgeError, SandboxError, WorkerLost
from petri.sandbox.lines import file_lines, program_lines
from petri.sandbox.outcome import Evaluation, Status
from petri.sandbox.spec import MAX_SOURCE_BYTES, JudgeSpec
from petri.sandbox.staging import readable_by_others, stage
from petri.sandbox.verdict import to_evaluation
from petri.sandbox.worker_process import WorkerProcess

HOST_GRACE_S = 15.0  # on top of the evaluation's wall time before the host gives up on a worker


class WorkerPool:
    """N warm jailed workers for one problem. Thread-safe; the constructor does no I/O."""

    def __init__(self, spec: JudgeSpec, limits: Limits, sandbox: SandboxSettings) -> None:
        self.spec = spec
        self.limits = limits
        self.settings = sandbox
        self.jail = ""
        self.warning: str | None = None
        self._idle: queue.Queue[WorkerProcess] = queue.Queue()
        self._all: list[WorkerProcess] = []
        self._lock = threading.Lock()
        self._closed = False
        self._staged: tempfile.TemporaryDirectory[str] | None = None
        self._units: tuple[str, ...] = ()
        self._source_lines: dict[str, int] | None = None  # see _file_lines

    @property
    def units(self) -> tuple[str, ...]:
        """The names of the judge's units once started: the collected tests' node ids, in
        collection order (``("evaluate",)`` for an evaluate.py judge); empty before."""
        return self._units

    def start(self) -> None:
        """Start every worker and wait until each has warmed up; raises JudgeError if the judge
        cannot be loaded (tests fail to import, no tests, evaluate.py broken)."""
        if os.geteuid() == 0 and not readable_by_others(self.spec.root):
            self._staged = stage(self.spec.root)  # workers run as a uid that could not read it
        workers: list[WorkerProcess] = []
        try:
            for index in range(self.settings.workers):
                workers.append(self._spawn(index))
            for worker in workers:
                self._units = tuple(worker.wait_ready())
        except BaseException:
            for worker in workers:
                worker.kill()
            self._unstage()
            raise
        self.jail = workers[0].plan.kind
        self.warning = workers[0].plan.warning
        for worker in workers:
            self._all.append(worker)
            self._idle.put(worker)

    def _spawn(self, index: int) -> WorkerProcess:
        mount = Path(self._staged.name, "problem") if self._staged else None
        worker = WorkerProcess(self.spec, self.limits, self.settings, index, mount)
        worker.launch()
        return worker

    def evaluate(
        self,
        source: str,
        *,
        coverage: bool = False,
        test_timeout_s: float | None = None,
        file_coverage: bool = False,
        select: Sequence[str] | None = None,
        failure_details: bool = True,
        stop_on_timeout: bool = True,
    ) -> Evaluation:
        """Evaluate one candidate program. Candidate behaviour is a status, never an exception;
        raises JudgeError when the judge itself returns unusable data and SandboxError when
        petri's worker fails (the worker is replaced either way).

        With ``coverage`` and a pytest judge, ``Evaluation.coverage`` maps each test that
        reported to the program lines it ran (measured in the sandbox; slower); with
        ``file_coverage``, ``Evaluation.file_coverage`` maps it to the lines it ran of each
        file of ``spec.sources`` and of the program.
        ``test_timeout_s`` shortens the per-test timeout for this candidate (never lengthens it)
        and (with ``stop_on_timeout``) stops it at its first timeout: a search's mutants that
        loop forever cost little; without, every test runs with the shorter timeout.
        ``select`` names the only units (of ``units``) to run; the result holds only those.
        Unknown names are ignored; a selection naming none of them raises ValueError.
        With ``failure_details`` (pytest judges) each failing test's result carries its
        failure as pytest renders it (``TestResult.details``); without, it is only named in
        its one-line message, and a failing candidate costs about what a passing one does.
        The outcomes are the same either way.
        """
        if self._closed:
            raise SandboxError("the worker pool is closed; start a new one")
        chosen = self._chosen(select)
        if len(source.encode("utf-8", "replace")) > MAX_SOURCE_BYTES:
            return Evaluation(Status.INVALID, sandbox=self.jail, message="program exceeds 1 MiB")
        coverage = coverage and self.spec.kind == "tests"
        file_coverage = file_coverage and self.spec.kind == "tests"
        options = _asked(file_coverage, chosen, failure_details, stop_on_timeout)
        answer = self._exchange(source, coverage, test_timeout_s, options)
        if isinstance(answer, Evaluation):
            return answer  # the candidate killed its worker
        reply, start = answer
        return self._judged(reply, source, start, coverage=coverage, file_coverage=file_coverage)

    def _exchange(
        self, source: str, coverage: bool, test_timeout_s: float | None, options: dict[str, Any]
    ) -> tuple[dict[str, Any], float] | Evaluation:
        """One round trip with an idle worker: its reply and when it took the candidate (time
        spent waiting for a worker is not the candidate's), or a violation if the candidate
        killed the worker. A failed worker is replaced; petri's own failure is a SandboxError."""
        worker = self._idle.get()
        start = time.perf_counter()
        try:
            nonce, deadline = secrets.token_hex(16), self._host_deadline()
            reply = worker.evaluate(source, nonce, deadline, coverage, test_timeout_s, **options)
            if reply.get("op") == "error":  # petri's own failure, never the candidate's
                worker = self._replace(worker)
                last = str(reply.get("message", "")).strip().splitlines()[-1:]
                raise SandboxError(f"the sandbox worker failed: {''.join(last)}")
        except WorkerLost as exc:
            worker = self._replace(worker)
            return self._violation(start, str(exc))
        finally:
            self._idle.put(worker)
        return reply, start

    def _judged(
        self,
        reply: dict[str, Any],
        source: str,
        start: float,
        *,
        coverage: bool,
        file_coverage: bool,
    ) -> Evaluation:
        """The evaluation a worker's reply stands for; raises JudgeError when the judge itself
        returned unusable data."""
        if self._forged(reply):  # the worker never sends this: something forged its reply
            return self._violation(
                start, "the sandbox worker's reply was not a result; it was forged"
            )
        evaluation = to_evaluation(
            reply,
            self.spec.kind,
            self.jail,
            time.perf_counter() - start,
            max_line=max(1, program_lines(source)) if coverage else 0,
            file_lines=self._file_lines(source) if file_coverage else None,
        )
        if reply.get("judge_error"):
            raise JudgeError(f"{self.spec.root / self.spec.judge_file}: {reply['judge_error']}")
        return evaluation

    def _violation(self, start: float, message: str) -> Evaluation:
        return Evaluation(
            Status.VIOLATION,
            duration_s=time.perf_counter() - start,
            sandbox=self.jail,
            message=message,
        )

    def _forged(self, reply: dict[str, Any]) -> bool:
        """Not a result, or a pytest judge's result without tests: not what a worker sends."""
        return reply.get("op") != "result" or (self.spec.kind == "tests" and not reply.get("tests"))

    def _chosen(self, select: Sequence[str] | None) -> list[str] | None:
        if select is None:
            return None
        known = set(select)
        chosen = [name for name in self._units if name in known]
        if not chosen:
            raise ValueError("select names none of the pool's units (see WorkerPool.units)")
        return chosen

    def _file_lines(self, source: str) -> dict[str, int]:
        """Each measured file's line count, which bounds the lines a reply may name: the
        sources as on disk (read once), the program as the candidate."""
        if self._source_lines is None:
            root = str(self.spec.root)
            self._source_lines = {s: file_lines(os.path.join(root, s)) for s in self.spec.sources}
        return {**self._source_lines, self.spec.program: max(1, program_lines(source))}

    def _host_deadline(self) -> float:
        return time.monotonic() + self.limits.wall_time_s + HOST_GRACE_S

    def _replace(self, dead: WorkerProcess) -> WorkerProcess:
        dead.kill()
        fresh = self._spawn(dead.index)
        try:
            fresh.wait_ready()
        except SandboxError as exc:
            raise WorkerLost(f"a sandbox worker died and could not be replaced: {exc}") from exc
        with self._lock:
            self._all[self._all.index(dead)] = fresh
        return fresh

    def close(self) -> None:
        """Stop every worker and every process they started."""
        self._closed = True
        with self._lock:
            for worker in self._all:
                worker.stop()
            self._all.clear()
        self._unstage()

    def _unstage(self) -> None:
        if self._staged is not None:
            self._staged.cleanup()
            self._staged = None

    def __enter__(self) -> WorkerPool:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _asked(
    file_coverage: bool, chosen: list[str] | None, failure_details: bool, stop_on_timeout: bool
) -> dict[str, Any]:
    """The request's options that differ from the defaults: the plain request stays plain."""
    options: dict[str, Any] = {}
    if file_coverage:
        options["file_coverage"] = True
    if chosen is not None:
        options["select"] = chosen
    if not failure_details:
        options["failure_details"] = False
    if not stop_on_timeout:
        options["stop_on_timeout"] = False
    return options


def evaluate_once(
    spec: JudgeSpec, source: str, limits: Limits, sandbox: SandboxSettings
) -> tuple[Evaluation, str | None]:
    """Evaluate one program with a one-worker pool; returns (evaluation, jail warning)."""
    single = sandbox.model_copy(update={"workers": 1})
    with WorkerPool(spec, limits, single) as pool:
        return pool.evaluate(source), pool.warning
