"""The pytest judge, as the jailed worker runs it.

Warm-up collects the tests once, in the worker, against a *placeholder* of the program module:
``from fizz import fizzbuzz`` binds a ``Pending("fizzbuzz")``. The original program never runs
in the worker. Each candidate runs in a fork: its source is executed into the program module and
every placeholder the tests hold is replaced by the candidate's object of that name; then the
pre-collected items run through pytest's own runtest protocol (fixtures, conftest, parametrize
and marks keep their real semantics). Forking skips interpreter start, pytest import and
collection: the per-candidate cost is the tests themselves.
"""

from __future__ import annotations

import ast
import os
import sys
import time
import types
from collections.abc import Callable, Generator
from typing import Any

import pytest

# Where pytest's assertion rewriting finds its comparison explainer and the repr of each
# compared value (private module attributes, checked against pytest 9): the brief mode switches
# the first off and the second to petri.sandbox.brief per test, see _BriefFailures.
from _pytest.assertion import rewrite as assertion_rewrite
from _pytest.assertion import util as assertion_util

from petri.sandbox.brief import brief_saferepr, crash_line
from petri.sandbox.fixture_lines import SharedFixtures
from petri.sandbox.proctree import settle_memory

PYTEST_ARGS = ["-p", "no:cacheprovider", "-p", "no:terminal", "--capture=no", "-p", "no:stepwise"]
MESSAGE_LIMIT = 2000
#: Characters kept of one test's rendered failure (its end: where the error is).
DETAILS_LIMIT = 4000


class Pending:
    """Stands for a program attribute until a candidate provides the real one."""

    __slots__ = ("__name__", "path")

    def __init__(self, path: str, *, named: bool = False) -> None:
        self.path = path
        if named:  # a def or class: pytest names a parametrized value by its __name__
            self.__name__ = path

    def __getattr__(self, name: str) -> Pending:
        if name.startswith("__"):
            raise AttributeError(name)
        return Pending(f"{self.path}.{name}")

    def __call__(self, *args: object, **kwargs: object) -> object:
        raise RuntimeError(
            f"the tests use {self.path!r} of the program while they are being imported; "
            "move that call into a test or fixture"
        )

    def __repr__(self) -> str:
        return f"<program attribute {self.path}>"


class Missing:
    """A name the tests import that the candidate does not define: using it fails the test."""

    def __init__(self, module: str, path: str) -> None:
        self._message = f"cannot import name {path!r} from {module!r} (the candidate lacks it)"

    def __getattr__(self, name: str) -> object:
        raise ImportError(self._message)

    def __call__(self, *args: object, **kwargs: object) -> object:
        raise ImportError(self._message)


def placeholder_module(name: str, source: str, filename: str) -> types.ModuleType:
    """A module that answers every attribute with a ``Pending``; top-level names are listed
    eagerly (from the original's syntax tree, never by running it) so ``import *`` works."""
    module = types.ModuleType(name)
    module.__file__ = filename
    for attr, named in _top_level_names(source).items():
        setattr(module, attr, Pending(attr, named=named))
    module.__getattr__ = _pending_attribute  # type: ignore[method-assign]  # PEP 562
    return module


def _pending_attribute(name: str) -> Pending:
    # Dunders stay missing: ``from prog import *`` asks for ``__all__`` and must get the names.
    if name.startswith("__"):
        raise AttributeError(name)
    return Pending(name)


def _top_level_names(source: str) -> dict[str, bool]:
    """Public top-level names of ``source``, each with whether it is a def or class."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return {}
    names: dict[str, bool] = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names[node.name] = True
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update((t.id, False) for t in targets if isinstance(t, ast.Name))
    return {n: named for n, named in names.items() if not n.startswith("_")}


class _Recorder:
    """pytest plugin: folds setup/call/teardown reports into one outcome per test."""

    def __init__(self) -> None:
        self.collect_errors: list[str] = []
        self.details = True  # per candidate (see PytestJudge.failure_details)
        self.program_path = ""  # the file the candidate is compiled as (see PytestJudge.load)
        self.reset()

    def reset(self) -> None:
        self.outcome = "passed"
        self.message = ""
        self.exc = ""
        self.line = 0  # the program's line that raised it (TestResult.line)
        self.text = ""  # the failure as pytest renders it, when details are asked for

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.collect_errors.append(f"{report.nodeid}: {_last_line(report.longreprtext)}")

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
        report = yield
        if call.excinfo is not None and not self.exc:
            self.exc = call.excinfo.typename
            self.line = _innermost_line(call.excinfo.tb, self.program_path)
        return report

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "call":
            if report.failed:
                self._set("failed", report)
            elif report.skipped and self.outcome == "passed":
                self._set("skipped", report)
        elif report.failed:
            self._set("error", report)
        elif report.skipped and report.when == "setup":
            self._set("skipped", report)

    def _set(self, outcome: str, report: pytest.TestReport) -> None:
        if self.outcome in ("passed", "skipped"):
            self.outcome = outcome
            crash = getattr(report.longrepr, "reprcrash", None)
            text = str(getattr(crash, "message", "") or "").strip()
            longrepr = report.longrepr
            self.message = (text.splitlines()[0][:MESSAGE_LIMIT] if text else "") or _last_line(
                longrepr if isinstance(longrepr, str) else report.longreprtext
            )
            if self.details and outcome != "skipped":
                self.text = report.longreprtext.strip()[-DETAILS_LIMIT:]


class _BriefFailures:
    """pytest plugin: unless details are asked for, a failing test is not explained. Its
    report names the exception in one line (the line pytest's own report leads with) instead
    of rendering traceback, source and locals, and a failed ``assert`` says what it compared
    (``assert 3 == 4``) without pytest's comparison explainer (diffs of strings and
    containers). Both cost a failing test several times what running it does, and a search
    reads only outcomes. The line reads as pytest's would, for less (``petri.sandbox.brief``).
    Passes and skips keep pytest's own (cheap) reports; the outcome always comes from the
    exception, as in pytest."""

    def __init__(self, recorder: _Recorder) -> None:
        self.recorder = recorder

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item) -> Generator[None, object, object]:
        # Inside pytest's assertion wrapper (tryfirst), which installs the explainer per test.
        if self.recorder.details:
            return (yield)
        saved = assertion_util._reprcompare, assertion_rewrite._saferepr
        maxsize = assertion_rewrite._get_maxsize_for_saferepr(assertion_util._config)
        assertion_util._reprcompare = None
        if maxsize is not None:  # None: -vv, every value in full, as pytest shows it
            assertion_rewrite._saferepr = brief_saferepr(maxsize, saved[1])  # type: ignore[assignment]
        try:
            return (yield)
        finally:
            assertion_util._reprcompare, assertion_rewrite._saferepr = saved

    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> pytest.TestReport | None:
        excinfo, when = call.excinfo, call.when
        if self.recorder.details or excinfo is None or _skips(excinfo.value) or when == "collect":
            return None  # pytest's own report
        return pytest.TestReport(
            item.nodeid,
            item.location,
            dict.fromkeys(item.keywords, 1),
            "failed",
            crash_line(excinfo)[:MESSAGE_LIMIT],
            when,
            duration=call.duration,
            start=call.start,
            stop=call.stop,
            user_properties=item.user_properties,
        )


def _skips(exc: BaseException) -> bool:
    """Whether pytest reports this exception as a skip (a skip, or a group of skips only)."""
    skip = pytest.skip.Exception
    if isinstance(exc, BaseExceptionGroup):
        return exc.split(skip)[1] is None
    return isinstance(exc, skip)


def _innermost_line(tb: types.TracebackType | None, path: str) -> int:
    """The line of the innermost frame of ``tb`` that runs code compiled from ``path``; 0 when
    none does (the test's own ``assert`` failed)."""
    line = 0
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == path:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return (lines[-1] if lines else "")[:MESSAGE_LIMIT]


class PytestJudge:
    """Collects once in the worker; runs one candidate's tests in a forked child."""

    def __init__(
        self, root: str, program: str, module: str, tests: list[str] | None = None
    ) -> None:
        self.root = root
        self.tests = [os.path.join(root, t) for t in tests or ["tests"]]  # what is collected
        self.program_path = os.path.join(root, program)
        self.module = module
        self.items: list[pytest.Item] = []
        self.recorder = _Recorder()
        self.brief = _BriefFailures(self.recorder)
        self.shared_fixtures = SharedFixtures()
        self.unit_timeout_key = "test_timeout_s"
        self.load_runs_program = True  # the program is imported as a module
        self.program_file = ""  # candidates run from a private copy in /tmp
        self._bindings: list[tuple[dict[str, Any], str, str]] = []

    @property
    def units(self) -> list[str]:
        return [item.nodeid for item in self.items]

    @property
    def failure_details(self) -> bool:
        """Whether a failing test's result carries its failure as pytest renders it; set per
        candidate, in the child. Off, the failure is named in one line and never rendered."""
        return self.recorder.details

    @failure_details.setter
    def failure_details(self, on: bool) -> None:
        self.recorder.details = on

    def plugins(self, loop: Callable[[], None]) -> list[object]:
        """What the judge adds to pytest: the recorder, brief failures, the serving loop."""
        return [self.recorder, self.brief, self.shared_fixtures, self.session_plugin(loop)]

    def serve(self, loop: Callable[[], None]) -> int:
        """Collect the tests, then run ``loop`` (the worker's request loop) inside the session."""
        with open(self.program_path, encoding="utf-8", errors="replace") as fh:
            original = fh.read()
        sys.modules[self.module] = placeholder_module(self.module, original, self.program_path)
        # The program is what the tests judge, never a test module, even when its name matches
        # pytest's patterns (parser_test.py): collecting it would import the placeholder.
        # Only the spec's tests (tests/) are the judge: other folders (e.g. held-out tests) are
        # not collected.
        ignore = ["--ignore", self.program_path]
        args = [*PYTEST_ARGS, *own_config(self.root), *ignore, *self.tests]
        return int(pytest.main(args, plugins=self.plugins(loop)))

    def session_plugin(self, loop: Callable[[], None]) -> object:
        """The plugin that takes over pytest's run loop once the tests are collected: it
        prepares the judge, then serves requests until the host is done."""
        judge = self

        class Serve:
            @pytest.hookimpl(tryfirst=True)
            def pytest_runtestloop(self, session: pytest.Session) -> bool:
                judge.items = list(session.items)
                judge._prepare()
                loop()
                return True

        return Serve()

    def _prepare(self) -> None:
        """Once, in the worker: find every placeholder the tests hold, and compute what pytest
        would otherwise compute lazily in every child (each child would redo it)."""
        placeholder = sys.modules[self.module]
        namespaces = [
            vars(m)
            for m in list(sys.modules.values())
            if m is not placeholder and _inside(getattr(m, "__file__", None), self.root)
        ]
        namespaces += self.warm_items()
        self._bindings = [
            (ns, key, value.path)
            for ns in namespaces
            for key, value in list(ns.items())
            if isinstance(value, Pending)
        ]
        settle_memory()

    def warm_items(self) -> list[dict[str, Any]]:
        """Compute what pytest would otherwise compute lazily in every child (each child would
        redo it); the parametrized values of every item, which may hold program objects."""
        params: list[dict[str, Any]] = []
        for item in self.items:
            values = getattr(getattr(item, "callspec", None), "params", None)
            if isinstance(values, dict):
                params.append(values)
            _ = (item.location, item.keywords, list(item.iter_markers()), item.ihook)
        return params

    def load(self, code: types.CodeType, path: str) -> None:
        """In the child: run the candidate into the program module, rebind the placeholders."""
        module = sys.modules[self.module]
        module.__dict__.clear()
        module.__dict__.update(__name__=self.module, __file__=path, __builtins__=__builtins__)
        self.recorder.program_path = path
        exec(code, module.__dict__)
        for namespace, key, attr in self._bindings:
            namespace[key] = _resolve(module, attr)

    def fixture_contexts(self, index: int) -> list[str]:
        """In the child: the coverage contexts of the shared fixtures test ``index`` uses."""
        return self.shared_fixtures.contexts(self.items[index])

    def run(self, index: int, next_index: int | None) -> dict[str, Any]:
        """In the child: run test ``index`` through pytest's protocol; its folded outcome."""
        item = self.items[index]
        nextitem = self.items[next_index] if next_index is not None else None
        self.recorder.reset()
        start = time.perf_counter()
        item.ihook.pytest_runtest_protocol(item=item, nextitem=nextitem)
        result = {
            "outcome": self.recorder.outcome,
            "duration_s": time.perf_counter() - start,
            "message": self.recorder.message,
            "exc": self.recorder.exc,
        }
        if self.recorder.line:
            result["line"] = self.recorder.line
        if self.recorder.text:
            result["details"] = self.recorder.text
        return result


_CONFIGS = (
    ("pytest.ini", ""),
    (".pytest.ini", ""),
    ("pyproject.toml", "[tool.pytest"),
    ("tox.ini", "[pytest]"),
    ("setup.cfg", "[tool:pytest]"),
)


def own_config(root: str) -> list[str]:
    """Only the problem's own pytest configuration counts, never one in a folder above it: the
    jail shows no parent folders, and a worker without the jail must see the same tests."""
    config = os.devnull
    for name, section in _CONFIGS:
        path = os.path.join(root, name)
        if os.path.isfile(path):
            with open(path, encoding="utf-8", errors="replace") as fh:
                if section in fh.read():
                    config = path
                    break
    return ["-c", config, "--rootdir", root, "--confcutdir", root]


def _resolve(module: types.ModuleType, path: str) -> object:
    value: object = module
    for part in path.split("."):
        try:
            value = getattr(value, part)
        except AttributeError:
            return Missing(module.__name__, path)
    return value


def _inside(filename: object, root: str) -> bool:
    return isinstance(filename, str) and filename.startswith(root.rstrip("/") + "/")
