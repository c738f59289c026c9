"""The shadow judge: a program's own functions, called directly, as the jailed worker runs it.

It has one unit and two modes, read from the plan file the host writes into the problem copy
it mounts (``PLAN_FILE``):

* ``record`` runs the problem's pytest suite against the program with its top-level functions
  wrapped, and reports the arguments the tests passed to them (only values whose ``repr``
  reads back as an equal Python literal, and short), each with the test that passed them and
  whether that test passed;
* ``call`` calls the named functions on the planned arguments, one by one, each under its own
  timer, and reports per input how it ended: ``[repr(result), repr(args after the call)]``,
  or ``"! ExceptionType"``, ``"hang"``, or ``"skip"`` (after too many hangs).

Reports ride in the unit's artifacts, as JSON lists cut into artifact-sized chunks.
"""

from __future__ import annotations

import json
import os
import sys
import time

from petri.sandbox.proctree import settle_memory

TYPE_CHECKING = False  # typing stays out of the jailed worker (see sandbox.harness)
if TYPE_CHECKING:
    import types
    from collections.abc import Callable
    from typing import Any

PLAN_FILE = "_petri_shadow.json"
MAX_TEXT = 200  # characters of a recorded argument list or a reported result
MAX_HANGS = 3  # calls that time out before the rest of a program's inputs are skipped
CHUNK_CHARS = 7_000  # below artifacts.MAX_ARTIFACT_CHARS
MAX_CHUNKS = 8  # below artifacts.MAX_TOTAL_CHARS in all


class _Hang(BaseException):
    """A call ran out of its time; a BaseException so the program's ``except`` misses it."""


class ShadowJudge:
    """Imports nothing of the candidate in the worker; records or calls in the child."""

    def __init__(self, root: str, program: str, module: str, tests: list[str]) -> None:
        self.root = root
        self.program = program
        self.module = module
        self.tests = tests
        self.plan: dict[str, Any] = {}
        self.unit_timeout_key = "wall_time_s"
        self.load_runs_program = False  # the unit executes the candidate itself
        self.program_file = ""
        self.failure_details = True
        self.code: types.CodeType | None = None
        self.path = ""

    @property
    def units(self) -> list[str]:
        return ["shadow"]

    def serve(self, loop: Callable[[], None]) -> int:
        with open(os.path.join(self.root, PLAN_FILE), encoding="utf-8") as fh:
            self.plan = json.load(fh)
        if self.root not in sys.path:
            sys.path.insert(0, self.root)
        settle_memory()
        loop()
        return 0

    def load(self, code: types.CodeType, path: str) -> None:
        self.code, self.path = code, path

    def run(self, index: int, next_index: int | None) -> dict[str, Any]:
        start = time.perf_counter()
        try:
            module = self._import()
        except BaseException as exc:  # the program does not load: nothing to call
            message = f"{type(exc).__name__}: {exc}"[:2000]
            return {"outcome": "failed", "duration_s": 0.0, "message": message}
        if self.plan.get("mode") == "record":
            rows: list[Any] = record(module, self.root, self.tests, int(self.plan["limit"]))
        else:
            rows = call_all(module, self.plan["inputs"], float(self.plan["timeout_s"]))
        duration = time.perf_counter() - start
        return {"outcome": "passed", "duration_s": duration, "artifacts": pack(rows)}

    def _import(self) -> types.ModuleType:
        import types

        module = types.ModuleType(self.module)
        module.__file__ = self.path
        sys.modules[self.module] = module
        assert self.code is not None
        exec(self.code, module.__dict__)
        return module


def literal(args: tuple[Any, ...], kwargs: dict[str, Any]) -> str | None:
    """``repr((args, kwargs))`` when it is short and reads back as an equal literal."""
    import ast

    try:
        text = repr((args, kwargs))
        if len(text) > MAX_TEXT or ast.literal_eval(text) != (args, kwargs):
            return None
    except Exception:  # a value without a literal form (objects, NaN, recursion)
        return None
    return text


def record(module: types.ModuleType, root: str, tests: list[str], limit: int) -> list[Any]:
    """Run the suite with the module's functions wrapped: ``[function, args, test, passed]``."""
    import pytest

    from petri.sandbox.judge_pytest import own_config

    calls: list[list[Any]] = []
    state = {"test": "", "depth": 0}
    for name, func in list(vars(module).items()):
        if callable(func) and getattr(func, "__module__", None) == module.__name__:
            if isinstance(func, type):
                continue  # classes: their instances have no literal form
            setattr(module, name, _wrap(name, func, calls, state, limit))
    outcomes: dict[str, bool] = {}

    class Recorder:
        @pytest.hookimpl(hookwrapper=True)
        def pytest_runtest_call(self, item: pytest.Item) -> Any:
            state["test"] = item.nodeid
            yield
            state["test"] = ""

        def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
            if report.when == "call" or report.failed:
                outcomes[report.nodeid] = outcomes.get(report.nodeid, True) and report.passed

    args = [*tests, "-q", "-p", "no:cacheprovider", *own_config(root)]
    pytest.main(args, plugins=[Recorder()])
    return [[f, a, t, outcomes.get(t, False)] for f, a, t in calls]


def _wrap(
    name: str, func: Callable[..., Any], calls: list[list[Any]], state: dict[str, Any], limit: int
) -> Callable[..., Any]:
    import functools

    @functools.wraps(func)
    def recorded(*args: Any, **kwargs: Any) -> Any:
        # Only calls a test makes: the program's calls to itself are not its inputs.
        if state["depth"] == 0 and state["test"] and len(calls) < limit:
            text = literal(args, kwargs)
            if text is not None:
                calls.append([name, text, state["test"]])
        state["depth"] += 1
        try:
            return func(*args, **kwargs)
        finally:
            state["depth"] -= 1

    return recorded


def call_all(module: types.ModuleType, inputs: list[list[str]], timeout_s: float) -> list[Any]:
    """How each ``[function, args]`` of ``inputs`` ends (see the module docstring)."""
    import ast
    import signal

    def alarm(signum: int, frame: object) -> None:
        raise _Hang

    signal.signal(signal.SIGALRM, alarm)
    rows: list[Any] = []
    hangs = 0
    for name, text in inputs:
        func = getattr(module, name, None)
        if hangs >= MAX_HANGS:
            rows.append("skip")
        elif not callable(func):
            rows.append("! missing")
        else:
            args, kwargs = ast.literal_eval(text)
            rows.append(_call(func, args, kwargs, timeout_s))
            hangs += rows[-1] == "hang"
    return rows


def _call(func: Callable[..., Any], args: Any, kwargs: Any, timeout_s: float) -> Any:
    import signal

    try:
        signal.setitimer(signal.ITIMER_REAL, timeout_s)
        try:
            result = func(*args, **kwargs)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        # The arguments too: a function may answer by changing them in place.
        return [_short(result), _short(args)]
    except _Hang:
        return "hang"
    except BaseException as exc:  # any exception the program raises is its answer
        return f"! {type(exc).__name__}"


def _short(value: object) -> str:
    try:
        text = repr(value)
    except BaseException as exc:
        text = f"<repr raised {type(exc).__name__}>"
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + "..."


def pack(rows: list[Any]) -> dict[str, str]:
    """``rows`` as numbered JSON chunks (``"0"``, ``"1"``, ...), within the artifact bounds;
    rows that do not fit are left out (``unpack`` returns fewer)."""
    chunks: list[list[Any]] = [[]]
    size = 0
    for row in rows:
        width = len(json.dumps(row)) + 2
        if size + width > CHUNK_CHARS:
            if len(chunks) == MAX_CHUNKS:
                break
            chunks.append([])
            size = 0
        chunks[-1].append(row)
        size += width
    return {str(i): json.dumps(chunk) for i, chunk in enumerate(chunks)}


def unpack(artifacts: dict[str, str]) -> list[Any]:
    """The rows ``pack`` wrote, in order; ``ValueError`` when they are not that."""
    rows: list[Any] = []
    for i in range(len(artifacts)):
        chunk = json.loads(artifacts[str(i)])
        if not isinstance(chunk, list):
            raise ValueError("a shadow artifact is not a JSON list")
        rows.extend(chunk)
    return rows
