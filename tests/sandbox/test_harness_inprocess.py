"""The jailed worker's own code (harness, watch loop, child, judges) run in a plain fork.

The pool runs this code inside bubblewrap; here the same entry point runs in a child of the
test process, talking the same framed protocol, so each path is exercised and measured
without a jail. Isolation itself is covered by the adversarial suite.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from inprocess import InProcessWorker

from petri.config import Limits

PROGRAM = "def double(x):\n    return 2 * x\n"
TESTS = """
import pytest
from {module} import double

@pytest.mark.parametrize("x", [1, 2, 3])
def test_double(x):
    assert double(x) == x + x

def test_zero():
    assert double(0) == 0
"""


class Worker(InProcessWorker):
    """A harness.main() running in a forked child, driven like the pool drives it."""

    def __init__(
        self, root: Path, module: str, kind: str, limits: Limits, prelude: str = ""
    ) -> None:
        tmp = root.parent / f"{module}-tmp"
        tmp.mkdir()
        super().__init__(
            {
                "root": str(root),
                "program": f"{module}.py",
                "module": module,
                "kind": kind,
                "limits": limits.model_dump(),
                "uid": None,
                "tmp_dir": str(tmp),
                "whole_namespace": False,
            },
            prelude,
        )


def _problem(tmp_path: Path, module: str, tests: str = TESTS) -> Path:
    root = tmp_path / "problem"
    (root / "tests").mkdir(parents=True)
    (root / f"{module}.py").write_text(PROGRAM)
    (root / "tests" / f"test_{module}.py").write_text(tests.format(module=module))
    return root


@pytest.fixture
def worker(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Worker]:
    module = f"inproc_{request.node.name.replace('[', '_').replace(']', '_')}"[:40]
    w = Worker(_problem(tmp_path, module), module, "tests", Limits(test_timeout_s=1.5))
    yield w
    w.close()


def _outcomes(reply: dict[str, Any]) -> list[str]:
    return [t["outcome"] for t in reply["tests"]]


def test_ready_lists_the_collected_tests(worker: Worker) -> None:
    assert worker.ready["op"] == "ready"
    assert len(worker.ready["units"]) == 4
    assert worker.ready["collect_errors"] == []


def test_the_original_passes_and_a_mutant_fails(worker: Worker) -> None:
    assert _outcomes(worker.evaluate(PROGRAM)) == ["passed"] * 4
    reply = worker.evaluate(PROGRAM.replace("2 * x", "x + 1"))
    assert _outcomes(reply) == ["passed", "failed", "failed", "failed"]
    assert "assert" in reply["tests"][1]["message"]
    assert reply["flags"] == []


def test_failures_are_rendered_only_when_details_are_asked_for(worker: Worker) -> None:
    mutant = PROGRAM.replace("2 * x", "x + 1")
    detailed = worker.evaluate(mutant)
    brief = worker.evaluate(mutant, failure_details=False)
    assert _outcomes(brief) == _outcomes(detailed) == ["passed", "failed", "failed", "failed"]
    assert [t["message"] for t in brief["tests"]] == [t["message"] for t in detailed["tests"]]
    assert "assert double(x) == x + x" in detailed["tests"][1]["details"]
    assert not any("details" in t for t in brief["tests"])
    assert "details" not in detailed["tests"][0]  # a pass has nothing to render


def test_a_syntax_error_is_invalid(worker: Worker) -> None:
    reply = worker.evaluate("def double(x)\n    return x\n")
    assert reply["flags"] == ["invalid"]
    assert "SyntaxError" in reply["message"]


def test_a_hanging_test_times_out_and_the_rest_still_run(worker: Worker) -> None:
    source = "def double(x):\n    while x == 2:\n        pass\n    return 2 * x\n"
    reply = worker.evaluate(source)
    assert _outcomes(reply) == ["passed", "timeout", "passed", "passed"]
    assert reply["flags"] == ["timeout"]


def test_each_test_has_a_timeout_of_its_own(worker: Worker) -> None:
    # Four tests of 0.6 s each under a 1.5 s per-test timeout: 2.4 s in all, so a deadline that
    # did not restart with each test (the worker reads results only now and then) would cut
    # the third.
    source = "import time\n\ndef double(x):\n    time.sleep(0.6)\n    return 2 * x\n"
    reply = worker.evaluate(source)
    assert _outcomes(reply) == ["passed"] * 4
    assert reply["flags"] == []


def test_a_crash_inside_a_test_is_that_test_only(worker: Worker) -> None:
    source = "import os\ndef double(x):\n    if x == 1:\n        os._exit(0)\n    return 2 * x\n"
    reply = worker.evaluate(source)
    assert _outcomes(reply) == ["error", "passed", "passed", "passed"]
    assert reply["flags"] == ["crashed"]


def test_a_missing_name_fails_the_tests_that_use_it(worker: Worker) -> None:
    reply = worker.evaluate("def triple(x):\n    return 3 * x\n")
    assert set(_outcomes(reply)) == {"failed"}
    assert "cannot import name 'double'" in reply["tests"][0]["message"]


def test_output_is_captured_and_bounded(tmp_path: Path) -> None:
    module = "inproc_output"
    limits = Limits(output_kb=1)
    w = Worker(_problem(tmp_path, module), module, "tests", limits)
    try:
        reply = w.evaluate("print('x' * 5000)\n" + PROGRAM)
    finally:
        w.close()
    assert reply["output"].startswith("xxxx")
    assert len(reply["output"]) <= 1024
    assert reply["dropped"] > 0


def test_a_suite_whose_results_outgrow_a_pipe_is_read_as_it_runs(tmp_path: Path) -> None:
    # 600 results (about 120 KiB of frames) do not fit a 64 KiB pipe, so the worker switches
    # to reading them as they come (see watch._check). This checks that no result is lost or
    # misattributed across that switch; how soon the child is read is not measured here.
    module = "inproc_many"
    tests = "import pytest\nfrom {module} import double\n\n"
    tests += "@pytest.mark.parametrize('x', range(600))\ndef test_double(x):\n"
    tests += "    assert double(x) == x + x, 'a long message ' * 4\n"
    w = Worker(_problem(tmp_path, module, tests=tests), module, "tests", Limits())
    try:
        good = w.evaluate(PROGRAM)
        bad = w.evaluate(PROGRAM.replace("2 * x", "x * x"))
    finally:
        w.close()
    assert _outcomes(good) == ["passed"] * 600
    assert _outcomes(bad).count("failed") == 598  # x * x == x + x only for 0 and 2
    assert good["flags"] == bad["flags"] == []


def test_tests_that_fail_to_import_are_reported_at_ready(tmp_path: Path) -> None:
    module = "inproc_broken"
    root = _problem(tmp_path, module, tests="import no_such_module_here\n")
    w = Worker(root, module, "tests", Limits())
    w.close()
    assert w.ready["collect_errors"]
    assert "no_such_module_here" in w.ready["collect_errors"][0]


def test_the_evaluate_judge_returns_metrics_and_judge_errors(tmp_path: Path) -> None:
    module = "inproc_eval"
    root = _problem(tmp_path, module)
    (root / "evaluate.py").write_text(
        textwrap.dedent(
            """
            import importlib.util
            def evaluate(path):
                spec = importlib.util.spec_from_file_location("cand", path)
                mod = importlib.util.module_from_spec(spec)
                spec.loader.exec_module(mod)
                value = mod.double(21)
                if value == "list":
                    return [1]
                return {"value": value, "ok": True, "inf": float("inf")}
            """
        )
    )
    w = Worker(root, module, "evaluate", Limits())
    try:
        good = w.evaluate(PROGRAM)
        bad = w.evaluate("def double(x):\n    return 'list'\n")
        raising = w.evaluate("def double(x):\n    raise ValueError('nope')\n")
    finally:
        w.close()
    assert good["metrics"] == {"value": "42.0", "ok": "1.0", "inf": "inf"}
    assert "dict[str, float]" in bad["judge_error"]
    assert raising["tests"][0]["outcome"] == "failed"
    assert "ValueError: nope" in raising["tests"][0]["message"]


def test_evaluate_py_without_evaluate_is_refused(tmp_path: Path) -> None:
    module = "inproc_noeval"
    root = _problem(tmp_path, module)
    (root / "evaluate.py").write_text("def score(path):\n    return {}\n")
    w = Worker(root, module, "evaluate", Limits())
    w.close()
    assert "must define a function evaluate" in w.ready["error"]


def test_exit_at_import_runs_no_test(worker: Worker) -> None:
    reply = worker.evaluate("import sys\nsys.exit(0)\n")
    assert set(_outcomes(reply)) == {"error"}
    assert "SystemExit" in reply["message"]


BROKEN_WATCH = """
from petri.sandbox import watch

def broken(*args):
    raise RuntimeError("the watch loop broke")

watch.evaluate = broken
"""


def test_a_failure_of_the_worker_itself_is_reported_not_swallowed(tmp_path: Path) -> None:
    module = "inproc_broken_worker"
    w = Worker(_problem(tmp_path, module), module, "tests", Limits(), BROKEN_WATCH)
    try:
        reply = w.evaluate(PROGRAM)
    finally:
        w.close()
    assert reply["op"] == "error"
    assert "RuntimeError: the watch loop broke" in reply["message"]
