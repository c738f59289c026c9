"""What runs in the forked child that executes one candidate, inside the jail.

Before any candidate code runs, the child closes the worker's channel to the host, points its
stdout/stderr at a bounded capture pipe and sets its rlimits. It then reports over its own
result pipe in frames stamped with a per-evaluation nonce, so bytes a candidate writes to a
stray descriptor cannot pass for a result.

When asked, the child also measures which lines of the program (or of each of the problem's
source files) each test ran (coverage.py, imported only then); the lines ride in the test's
result frame.
"""

from __future__ import annotations

import contextlib
import functools
import os
import resource
import signal
import sys
import warnings

from petri.sandbox.framing import encode, write_all
from petri.sandbox.lines import MAX_TEST_LINES
from petri.sandbox.proctree import PR_SET_PDEATHSIG, prctl

# The worker imports this module, and every module it loads makes each fork dearer: no
# typing, dataclasses or traceback at run time (each pulls in a dozen more).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any, Protocol, TextIO

    class Judge(Protocol):
        """A judge prepared in the worker and run per candidate in a child."""

        unit_timeout_key: str
        load_runs_program: bool  # False: load() only notes the path, no candidate code runs
        # The path the candidate is compiled as, when it stands for a file of the problem
        # (a repository's module); "" for a private copy in /tmp that the child writes.
        program_file: str
        # Set per candidate: a failing unit's result carries its failure rendered in full.
        failure_details: bool

        @property
        def units(self) -> list[str]: ...

        def load(self, code: Any, path: str) -> None: ...

        def run(self, index: int, next_index: int | None) -> dict[str, Any]: ...


MiB = 1024 * 1024


class ChildJob:
    """One child's share of an evaluation."""

    __slots__ = (
        "close_fds",
        "coverage",
        "failure_details",
        "fd_limit",
        "files",
        "nonce",
        "output_fd",
        "parent_death_signal",
        "program_dir",
        "program_path",
        "result_fd",
        "rlimits",
        "source",
        "todo",
    )

    def __init__(
        self,
        *,
        source: str,
        program_path: str,
        program_dir: str,
        todo: list[int],
        nonce: str,
        result_fd: int,
        output_fd: int,
        close_fds: tuple[int, ...],
        rlimits: tuple[tuple[int, int], ...],
        fd_limit: int,
        coverage: bool = False,
        files: dict[str, str] | None = None,
        parent_death_signal: bool = True,
        failure_details: bool = True,
    ) -> None:
        self.source = source
        self.program_path = program_path  # where the candidate's file is written (private /tmp)
        self.program_dir = program_dir  # the folder of program_path, made by the child
        self.todo = todo  # indexes of the judge's units still to run
        self.nonce = nonce
        self.result_fd = result_fd
        self.output_fd = output_fd
        self.close_fds = close_fds  # the worker's descriptors the candidate must not inherit
        self.rlimits = rlimits  # (resource, value) pairs, see ``rlimits``
        self.fd_limit = fd_limit  # descriptors from here up are never open in the worker
        self.coverage = coverage  # report the program lines each test ran
        # Or, when given, the lines of each of these files (measured path -> name to report)
        self.files = files
        # Die with the worker. Not needed in the jail's own pid namespace, which the kernel
        # empties when the worker (and so the namespace's init) goes: the ctypes call costs
        # a tenth of a trivial evaluation.
        self.parent_death_signal = parent_death_signal
        # Render each failure in full; a search leaves it off (it reads only outcomes).
        self.failure_details = failure_details


def rlimits(limits: dict[str, Any], cpu_seconds: int) -> tuple[tuple[int, int], ...]:
    """The child's resource limits, capped at the worker's own hard limits. Worked out in the
    worker, so the child only makes the system calls: every line of Python a child runs costs
    it page copies."""
    wanted = (
        (resource.RLIMIT_CPU, max(1, cpu_seconds)),
        (resource.RLIMIT_AS, int(limits["memory_mb"]) * MiB),
        (resource.RLIMIT_NPROC, int(limits["processes"])),
        (resource.RLIMIT_FSIZE, int(limits["file_size_mb"]) * MiB),
        (resource.RLIMIT_NOFILE, int(limits["open_files"])),
        (resource.RLIMIT_CORE, 0),
    )
    return tuple((kind, _capped(kind, value)) for kind, value in wanted)


def _capped(kind: int, value: int) -> int:
    hard = _hard_limit(kind)
    return value if hard == resource.RLIM_INFINITY else min(value, hard)


@functools.cache
def _hard_limit(kind: int) -> int:
    return resource.getrlimit(kind)[1]  # the worker never changes its own


def fd_limit() -> int:
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    return soft if soft != resource.RLIM_INFINITY else 65536


@functools.cache
def capture_streams() -> tuple[TextIO, TextIO]:
    """Line-buffered streams on descriptors 1 and 2, which each child points at its capture
    pipe: a child killed at its deadline keeps what it printed, and nothing inherited from the
    worker (e.g. a capturing stdout) swallows it. The worker makes them once, before it forks:
    every object a child creates costs it page copies. The worker never writes to them, so
    each child starts with empty buffers."""

    def stream(fd: int) -> TextIO:
        return open(fd, "w", buffering=1, encoding="utf-8", errors="replace", closefd=False)

    return stream(1), stream(2)


def child_main(judge: Judge, job: ChildJob) -> None:
    """Never returns: the child leaves by os._exit whatever happens, so no exception (not even
    SystemExit) can carry it back into the worker's code."""
    code = 0
    report = _Report(job.result_fd, job.nonce)
    try:
        _isolate(job)
        _run(judge, job, report)
    except _WorkerGone:
        code = 71
    except BaseException as exc:  # the harness itself failed: say so, never pretend success
        code = 70
        with contextlib.suppress(BaseException):
            message = _traceback(exc)[-2000:]
            report.send({"ev": "harness_error", "exc": type(exc).__name__, "message": message})
    finally:
        os._exit(code)


class _WorkerGone(Exception):
    """The result pipe is closed: nobody is left to report to."""


def _flush() -> None:
    # The child leaves by os._exit, which would drop what print() still buffers. Plain
    # try/except: contextlib.suppress would cost three calls per stream, per frame.
    for stream in (sys.stdout, sys.stderr):
        try:  # noqa: SIM105
            stream.flush()
        except Exception:  # the candidate replaced or broke the stream: nothing to keep
            pass


def _isolate(job: ChildJob) -> None:
    for fd in job.close_fds:
        os.close(fd)
    if job.parent_death_signal:
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(job.output_fd, 1)
    os.dup2(job.output_fd, 2)
    os.close(devnull)
    os.close(job.output_fd)
    # Nothing else the worker holds (its host channel, pytest's faulthandler copy of the host
    # log, epoll and pipe descriptors) is the candidate's business.
    os.closerange(3, job.result_fd)
    os.closerange(job.result_fd + 1, job.fd_limit)
    sys.stdout, sys.stderr = capture_streams()
    os.setsid()
    for kind, value in job.rlimits:
        resource.setrlimit(kind, (value, value))


def _run(judge: Judge, job: ChildJob, report: _Report) -> None:
    path = judge.program_file or job.program_path
    try:
        code = compile(job.source, path, "exec", dont_inherit=True)
    except (SyntaxError, ValueError, OverflowError, RecursionError, MemoryError) as exc:
        report.send({"ev": "invalid", "message": f"{type(exc).__name__}: {exc}"[:2000]})
        return
    if judge.program_file:
        _show_source(path, job.source)
    else:
        _write_program(job.program_dir, job.program_path, job.source)
    report.hold({"ev": "import"})
    judge.failure_details = job.failure_details
    if judge.load_runs_program:
        report.send()
    try:
        judge.load(code, path)
    except BaseException as exc:  # SystemExit and KeyboardInterrupt too: the tests did not run
        message = _brief(exc, judge.program_file)
        report.send({"ev": "import_error", "exc": type(exc).__name__, "message": message})
        return
    measured = list(job.files) if job.files else [path] if job.coverage else []
    tracer = _Tracer.begin(measured, getattr(judge, "shared_fixtures", None)) if measured else None
    try:
        _run_units(judge, job, tracer, report)
    finally:
        if tracer is not None:
            tracer.end()
    report.send({"ev": "done"})


def _run_units(judge: Judge, job: ChildJob, tracer: _Tracer | None, report: _Report) -> None:
    for k, index in enumerate(job.todo):
        next_index = job.todo[k + 1] if k + 1 < len(job.todo) else None
        report.send({"ev": "start", "i": index})  # out before the test runs: its deadline
        if tracer is not None:
            tracer.switch(index)
        result = judge.run(index, next_index)
        if tracer is not None:
            shared = getattr(judge, "fixture_contexts", None)
            found = tracer.lines(index, shared(index) if shared is not None else [])
            if job.files is not None:
                result["files"] = {job.files[p]: n for p, n in found.items() if p in job.files}
            else:
                merged = sorted({n for lines in found.values() for n in lines})
                result["lines"] = merged[:MAX_TEST_LINES]
        report.hold({"ev": "result", "i": index, **result})


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    # coverage.py reports trouble ("no data collected") as warnings: they would land in the
    # candidate's captured output.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


class _Tracer:
    """The lines of the measured files each test runs, as coverage.py's dynamic contexts.

    The measurement starts after the program is loaded, so a line counts for a test only if the
    test ran it, directly or through a shared fixture it uses (``fixture_lines``). A tracer
    already running (petri's own test suite measures these children) is paused by coverage.py
    while this one runs, and resumed by ``end``.
    """

    def __init__(self, cov: Any, fixtures: Any) -> None:
        self._cov = cov
        self._fixtures = fixtures  # a SharedFixtures plugin, or None

    @classmethod
    def begin(cls, paths: list[str], fixtures: Any = None) -> _Tracer | None:
        try:
            import coverage  # only an evaluation that asks for coverage pays for it
        except ImportError:
            return None
        # No data file and no configuration file: the problem folder (the working directory)
        # must not configure what runs here, e.g. coverage plugins.
        cov = coverage.Coverage(data_file=None, config_file=False, include=paths, branch=False)
        with _quiet():
            cov.start()
        if fixtures is not None:
            fixtures.measure(cov.switch_context)
        return cls(cov, fixtures)

    def switch(self, index: int) -> None:
        if self._fixtures is not None:
            self._fixtures.enter_test(f"t{index}")
        else:
            self._cov.switch_context(f"t{index}")

    def lines(self, index: int, shared: list[str]) -> dict[str, list[int]]:
        """Measured file (coverage.py's real path) -> the lines test ``index`` ran in it, also
        through the shared fixtures whose contexts are ``shared``."""
        import re  # loaded already by pytest and coverage.py

        with _quiet():
            data = self._cov.get_data()
        data.set_query_contexts([f"^t{index}$", *(f"^{re.escape(c)}$" for c in shared)])
        found = {name: data.lines(name) for name in data.measured_files()}
        return {name: sorted(lines)[:MAX_TEST_LINES] for name, lines in found.items() if lines}

    def end(self) -> None:
        if self._fixtures is not None:
            self._fixtures.measure(None)
        with contextlib.suppress(Exception), _quiet():  # the candidate may have broken it
            self._cov.stop()


def _write_program(folder: str, path: str, source: str) -> None:
    """The candidate as a file, for tracebacks and judges that read it. Plain system calls:
    open() and makedirs() touch three times as many of the worker's pages."""
    try:  # noqa: SIM105 - suppress() is a context manager object and three calls
        os.mkdir(folder)
    except FileExistsError:
        pass
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
    try:
        write_all(fd, source.encode("utf-8"))
    finally:
        os.close(fd)


def _show_source(path: str, source: str) -> None:
    """Tracebacks and ``inspect`` read the file a code object names: make them read the
    candidate, not the original on disk. An entry without a modification time is never
    checked against the file (``linecache.checkcache``)."""
    import linecache  # already loaded by pytest, which this judge runs under

    linecache.cache[path] = (len(source), None, source.splitlines(True), path)


def _brief(exc: BaseException, program_file: str = "") -> str:
    """The exception and the line it was raised at (the innermost frame); with the file's
    name when it is not ``program_file`` (a repository module that imports the program)."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    place = ""
    if tb is not None:
        where = tb.tb_frame.f_code.co_filename
        other = f" of {where}" if program_file and where != program_file else ""
        place = f" (line {tb.tb_lineno}{other})"
    return f"{type(exc).__name__}: {exc}{place}"[:2000]


def _traceback(exc: BaseException) -> str:
    """The whole traceback of a harness failure; imported only then (and perhaps short of
    memory, hence the brief fallback)."""
    try:
        import traceback

        return "".join(traceback.format_exception(exc))
    except Exception:
        return _brief(exc)


class _Report:
    """The child's frames to the worker, stamped with the evaluation's nonce. A frame may be
    held back while no candidate code runs and go out with the next in one write: what the
    worker sees, and when, is the same, at half the system calls."""

    def __init__(self, fd: int, nonce: str) -> None:
        self.fd = fd
        self.nonce = nonce
        self.held: list[bytes] = []

    def hold(self, message: dict[str, Any]) -> None:
        message["nonce"] = self.nonce
        self.held.append(encode(message))

    def send(self, message: dict[str, Any] | None = None) -> None:
        """Write every held frame and ``message``, after what the candidate printed."""
        if message is not None:
            self.hold(message)
        _flush()
        data = b"".join(self.held)
        self.held.clear()
        try:
            write_all(self.fd, data)
        except (OSError, ValueError) as exc:
            raise _WorkerGone from exc
