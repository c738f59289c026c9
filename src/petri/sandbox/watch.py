"""The worker's side of one evaluation: fork children, enforce deadlines, fold their reports.

A child runs the candidate's remaining tests and reports each one. If a test overruns its
deadline, or the child dies inside it, that test is recorded (timeout / error), every process
the candidate started is killed, and a fresh child runs the tests after it. A test that did not
report is never passed. Only this process, which runs no candidate code, writes to the host.
What a child's reports mean, and how they are checked, is ``child_reports``'s part.
"""

from __future__ import annotations

import contextlib
import importlib
import math
import os
import select
import signal
import time

from petri.sandbox.child import ChildJob, child_main, fd_limit, rlimits
from petri.sandbox.child_reports import ChildReports, Verdict
from petri.sandbox.lines import measured_files, program_lines
from petri.sandbox.proctree import kill_descendants, wipe_dir
from petri.sandbox.syscalls import VIOLATION_SIGNAL

TYPE_CHECKING = False  # typing stays out of the jailed worker (see sandbox.child)
if TYPE_CHECKING:
    from typing import Any

    from petri.sandbox.child import Judge

READ_CHUNK = 65536
CHECK_EVERY_S = 0.05  # the longest the worker leaves a running child's results unread
CHATTY_BYTES = 16384  # results read in one check that make the worker read as they come
#: How a timeout's tests that never started are reported: a fresh process's import ran past
#: the per-test timeout, or the evaluation's time ran out (see petri.sandbox.probe).
IMPORT_CUT = "the program did not finish importing within"
OUT_OF_TIME = "not run: the evaluation's time ran out"


class Settings:
    """The slice of the limits the watch loop needs, as plain numbers."""

    def __init__(
        self,
        *,
        limits: dict[str, Any],
        unit_timeout: float,
        tmp_dir: str,
        whole_namespace: bool,
        host_fds: tuple[int, ...] = (),
        keep_tmp: tuple[str, ...] = (),
        stop_on_timeout: bool = False,
        coverage: bool = False,
        files: dict[str, tuple[str, int]] | None = None,
        failure_details: bool = True,
    ) -> None:
        self.limits = limits
        self.unit_timeout = unit_timeout
        self.tmp_dir = tmp_dir
        self.whole_namespace = whole_namespace
        self.host_fds = host_fds  # the worker's channel to the host: never the candidate's
        self.keep_tmp = keep_tmp  # /tmp entries that hold read-only runtime binds
        self.stop_on_timeout = stop_on_timeout  # a search's candidate: a timeout ends its run
        self.coverage = coverage  # per request: each test's result carries the lines it ran
        # Per request: each test's result carries the lines it ran of each of these source
        # files (real path -> (name to report, line count)); the program is added per candidate.
        self.files = files
        self.failure_details = failure_details  # per request: render each failure in full

    def per_request(
        self,
        *,
        coverage: bool,
        unit_timeout: float,
        stop_on_timeout: bool,
        files: dict[str, tuple[str, int]] | None = None,
        failure_details: bool = True,
    ) -> Settings:
        """These settings with one request's choices."""
        return Settings(
            limits=self.limits,
            unit_timeout=unit_timeout,
            tmp_dir=self.tmp_dir,
            whole_namespace=self.whole_namespace,
            host_fds=self.host_fds,
            keep_tmp=self.keep_tmp,
            stop_on_timeout=stop_on_timeout,
            coverage=coverage,
            files=files,
            failure_details=failure_details,
        )


def evaluate(
    judge: Judge,
    source: str,
    nonce: str,
    program: str,
    cfg: Settings,
    *,
    select: list[int] | None = None,
) -> Verdict:
    """Run every unit of ``judge`` (or the ``select``ed indexes, in that order) against
    ``source``; never raises for candidate behaviour."""
    verdict = Verdict(units=judge.units)
    todo = list(range(len(verdict.units))) if select is None else list(select)
    deadline = time.monotonic() + float(cfg.limits["wall_time_s"])
    job_path = os.path.join(cfg.tmp_dir, "petri-candidate", program)
    if cfg.coverage or cfg.files is not None:
        _preload("coverage")
    max_line = max(1, program_lines(source)) if cfg.coverage else 0
    run = _Run(
        judge=judge, source=source, nonce=nonce, job_path=job_path, cfg=cfg,
        deadline=deadline, max_line=max_line, fd_limit=fd_limit(),
    )  # fmt: skip
    if cfg.files is not None:  # the candidate is measured where it runs from
        program_at = os.path.realpath(judge.program_file or job_path)
        run.files, run.file_lines = measured_files(cfg.files, program, program_at, source)
        run.program = program
    first = True
    while (todo or first) and not verdict.flags & {"invalid", "violation"}:
        first = False
        before = len(todo)
        _run_child(run, todo, verdict)
        kill_descendants(whole_namespace=cfg.whole_namespace)
        if todo and len(todo) == before:  # no progress: do not fork forever
            verdict.fail_rest(todo, "error", verdict.message or "the candidate did not run")
        if todo and time.monotonic() >= deadline:
            verdict.note("timeout", f"evaluation exceeded {cfg.limits['wall_time_s']} s")
            verdict.fail_rest(todo, "error", OUT_OF_TIME)
        if todo and cfg.stop_on_timeout and "timeout" in verdict.flags:
            verdict.fail_rest(todo, "error", "not run: an earlier test timed out")
    wipe_dir(cfg.tmp_dir, keep=cfg.keep_tmp)
    return verdict


def _preload(module: str) -> None:
    """Import ``module`` here, once, so that every later child inherits it instead of paying
    for the import itself; only requests that need it get here."""
    with contextlib.suppress(ImportError):
        importlib.import_module(module)


class _Run:
    """What stays the same across the children of one evaluation."""

    __slots__ = (
        "cfg", "deadline", "fd_limit", "file_lines", "files", "job_path", "judge", "max_line",
        "nonce", "program", "source",
    )  # fmt: skip

    def __init__(
        self,
        *,
        judge: Judge,
        source: str,
        nonce: str,
        job_path: str,
        cfg: Settings,
        deadline: float,
        max_line: int,
        fd_limit: int,
    ) -> None:
        self.judge = judge
        self.source = source
        self.nonce = nonce
        self.job_path = job_path
        self.cfg = cfg
        self.deadline = deadline
        self.max_line = max_line  # > 0: coverage was asked for, of a program this many lines
        self.fd_limit = fd_limit
        self.program = ""
        self.files: dict[str, str] | None = None  # measured path -> reported name
        self.file_lines: dict[str, int] | None = None  # reported name -> its line count


def _run_child(run: _Run, todo: list[int], verdict: Verdict) -> None:
    res_r, res_w = os.pipe()
    out_r, out_w = os.pipe()
    cfg = run.cfg
    cpu_left = int(float(cfg.limits["cpu_time_s"]) - verdict.cpu_used) + 1
    job = ChildJob(
        source=run.source,
        program_path=run.job_path,
        program_dir=os.path.dirname(run.job_path),
        todo=list(todo),
        nonce=run.nonce,
        result_fd=res_w,
        output_fd=out_w,
        close_fds=(res_r, out_r, *cfg.host_fds),
        rlimits=rlimits(cfg.limits, cpu_left),
        fd_limit=run.fd_limit,
        coverage=run.max_line > 0,
        files=run.files,
        parent_death_signal=not cfg.whole_namespace,
        failure_details=cfg.failure_details,
    )
    forked = time.monotonic()  # before the fork: the child cannot have written earlier
    pid = os.fork()
    if pid == 0:
        child_main(run.judge, job)
    os.close(res_w)
    os.close(out_w)
    try:
        state = _Follow(todo, verdict, run, forked)
        state.follow(pid, res_r, out_r)
    finally:
        os.close(res_r)
        os.close(out_r)


class _Follow(ChildReports):
    """Reads one child's frames and output until it finishes, dies or overruns (what the
    frames mean is ``ChildReports``'s part)."""

    def __init__(self, todo: list[int], verdict: Verdict, run: _Run, forked: float) -> None:
        super().__init__(
            todo, verdict, nonce=run.nonce, unit_timeout=run.cfg.unit_timeout, basis=forked,
            max_line=run.max_line, file_lines=run.file_lines, program=run.program,
        )  # fmt: skip
        self.cfg = run.cfg
        self.deadline = run.deadline
        self.every = min(CHECK_EVERY_S, max(0.001, self.cfg.unit_timeout / 20))
        self.results_open = True
        self.eager = False  # the result pipe is polled too (see _check)
        self.exited = False
        self.death = ""

    def follow(self, pid: int, res_r: int, out_r: int) -> None:
        pidfd = os.pidfd_open(pid)
        # poll rather than selectors: one evaluation per fork makes this loop hot, and poll
        # needs no descriptor of its own nor Python-level bookkeeping. The result pipe is not
        # polled at first: waking for every frame costs the worker a context switch and page
        # copies while the child runs. It is read when the child exits, when output arrives,
        # and at least every ``self.every`` seconds (a test may be cut that much early, never
        # late).
        poller = select.poll()
        for fd in (res_r, out_r, pidfd):
            os.set_blocking(fd, False)
        for fd in (out_r, pidfd):
            poller.register(fd, select.POLLIN)
        try:
            self._loop(poller, res_r, out_r, pidfd)
        finally:
            if not self.exited:
                os.kill(pid, signal.SIGKILL)
            self._reap(pid)
            self._drain(res_r, out_r)
            os.close(pidfd)

    def _loop(self, poller: select.poll, res_r: int, out_r: int, pidfd: int) -> None:
        while self.phase != "done":
            now = time.monotonic()
            if min(self.unit_deadline, self.deadline) <= now:
                self._check(res_r, poller)  # the child may have moved on since the last read
                if self.phase != "done" and min(self.unit_deadline, self.deadline) <= now:
                    self._overrun()
                    return
                continue
            wait = min(self.unit_deadline, self.deadline, now + self.every) - now
            # Any event (data, hang-up, error) means "read it": EOF is handled by the reader.
            for fd, _ in poller.poll(max(1, math.ceil(wait * 1000))):
                if fd == pidfd:
                    self.exited = True
                elif fd == out_r:
                    self._output(out_r, poller)
            self._check(res_r, poller)
            if self.exited:
                self._drain(res_r, out_r)  # _reap() then explains a death before "done"
                return

    def _check(self, fd: int, poller: select.poll) -> None:
        """Take every frame written so far; those written later count from now. A child that
        writes results faster than the pipe holds them between checks is read as it writes,
        so that it never waits for the worker."""
        started = time.monotonic()
        got = 0
        for _ in range(64):  # bounded: a child may keep writing
            if not self.results_open or self.phase == "done":
                break
            size = self._results(fd)
            if not size:
                break
            got += size
        self.basis = started
        if got >= CHATTY_BYTES and self.results_open and not self.eager:
            self.eager = True
            poller.register(fd, select.POLLIN)
        elif self.eager and not self.results_open:
            self.eager = False
            poller.unregister(fd)

    def _results(self, fd: int) -> int:
        """One read of the result pipe: how many bytes it took (0: nothing more for now)."""
        try:
            data = os.read(fd, READ_CHUNK)
        except BlockingIOError:
            return 0
        if not data:
            self.results_open = False
            return 0
        self.feed(data)
        return len(data)

    def _output(self, fd: int, poller: select.poll) -> None:
        try:
            data = os.read(fd, READ_CHUNK)
        except BlockingIOError:
            return
        if not data:
            poller.unregister(fd)
            return
        self._keep_output(data)

    def _keep_output(self, data: bytes) -> None:
        """What the candidate printed, up to the output limit; the rest is only counted."""
        room = max(int(self.cfg.limits["output_kb"]) * 1024 - len(self.verdict.output), 0)
        self.verdict.output += data[:room]
        self.verdict.dropped += max(len(data) - room, 0)

    def _drain(self, res_r: int, out_r: int) -> None:
        for fd in (res_r, out_r):
            for _ in range(64):  # bounded: a grandchild may still be writing
                try:
                    data = os.read(fd, READ_CHUNK)
                except (BlockingIOError, OSError):
                    break
                if not data:
                    break
                if fd == res_r and self.phase != "done":
                    self.feed(data)
                elif fd == out_r:
                    self._keep_output(data)

    def _overrun(self) -> None:
        if time.monotonic() >= self.deadline:
            self.verdict.note("timeout", f"evaluation exceeded {self.cfg.limits['wall_time_s']} s")
        if self.current is not None:
            name = self.verdict.units[self.current]
            limit = self.cfg.unit_timeout
            self.verdict.note("timeout", f"{name} exceeded {limit:g} s")
            self.verdict.record(self.current, "timeout", f"exceeded {limit:g} s", limit)
            self.todo.remove(self.current)
            self.current = None
        else:
            message = f"{IMPORT_CUT} {self.cfg.unit_timeout:g} s"
            self.verdict.note("timeout", message)
            self.verdict.fail_rest(self.todo, "error", message)

    def _died(self) -> None:
        if self.current is not None:
            self.verdict.record(self.current, "error", self.death or "the process died")
            self.todo.remove(self.current)
            self.current = None
        else:
            self.verdict.fail_rest(self.todo, "error", self.death or "the process died")

    def _reap(self, pid: int) -> None:
        try:
            _, status, usage = os.wait4(pid, 0)
        except ChildProcessError:
            return
        self.verdict.peak_rss = max(self.verdict.peak_rss, usage.ru_maxrss * 1024)
        self.verdict.cpu_used += usage.ru_utime + usage.ru_stime
        if self.phase == "done" and os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0:
            return
        self.death = _describe_death(status)
        died_early = self.exited and self.phase != "done"
        signum = os.WTERMSIG(status) if os.WIFSIGNALED(status) else 0
        if signum == VIOLATION_SIGNAL:
            self.verdict.note("violation", f"a forbidden system call was made ({self.death})")
        elif signum == signal.SIGXCPU:
            self.verdict.note("timeout", f"CPU time limit reached ({self.death})")
        elif died_early:
            self.verdict.note("crashed", self.death)
        if died_early:
            self._died()


def _describe_death(status: int) -> str:
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        return f"the process was killed by {signal.Signals(sig).name}"
    return f"the process exited with code {os.WEXITSTATUS(status)} before reporting"
