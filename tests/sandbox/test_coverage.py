"""Per-test line coverage of the program, measured inside the sandbox and checked on the way out."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from inprocess import InProcessWorker

from petri.config import Limits, SandboxSettings
from petri.sandbox import JudgeSpec, Status, WorkerPool
from petri.sandbox.jail import bwrap_usable
from petri.sandbox.lines import MAX_COVERAGE_LINES, MAX_TEST_LINES
from petri.sandbox.verdict import to_evaluation

ProblemWriter = Callable[..., Path]

needs_bwrap = pytest.mark.skipif(bwrap_usable() is None, reason="bubblewrap not installed")

# sign(0) should be 0: line 5 is the bug, and only test_zero runs it.
PROGRAM = """\
def sign(n):
    if n < 0:
        return -1
    if n == 0:
        return 1
    return 1
"""
TESTS = """
    from prog import sign


    def test_negative():
        assert sign(-5) == -1


    def test_zero():
        assert sign(0) == 0


    def test_positive():
        assert sign(7) == 1


    def test_arithmetic():
        assert 1 + 1 == 2
"""
NAMES = [
    f"tests/test_prog.py::test_{name}" for name in ("negative", "zero", "positive", "arithmetic")
]
NEGATIVE, ZERO, POSITIVE, ARITHMETIC = NAMES
EXPECTED = {NEGATIVE: (2, 3), ZERO: (2, 4, 5), POSITIVE: (2, 4, 6), ARITHMETIC: ()}

# Rewrites what the child reports: every result frame's "lines" become @LINES@.
FORGE = """\
import petri.sandbox.child as _child

_real_encode = _child.encode


def _forged_encode(message):
    if message.get("ev") == "result":
        message["lines"] = @LINES@
    return _real_encode(message)


_child.encode = _forged_encode
"""

# Encodes a result frame by hand, with something JSON can hold but Python refuses to decode.
RAW_FORGE = """\
import json as _json
import struct as _struct

import petri.sandbox.child as _child

_real_encode = _child.encode


def _raw_encode(message):
    if message.get("ev") != "result":
        return _real_encode(message)
    head = {k: v for k, v in message.items() if k != "lines"}
    body = (_json.dumps(head)[:-1] + ', "lines": ' + @PAYLOAD@ + "}").encode()
    return _struct.pack(">I", len(body)) + body


_child.encode = _raw_encode
"""


@pytest.fixture(scope="module")
def spec(write_problem: ProblemWriter) -> JudgeSpec:
    root = write_problem({"prog.py": PROGRAM, "tests/test_prog.py": TESTS}, name="coverage")
    return JudgeSpec(root, "prog.py", "tests")


@pytest.fixture(scope="module")
def pool(spec: JudgeSpec) -> Iterator[WorkerPool]:
    if bwrap_usable() is None:
        pytest.skip("bubblewrap not installed")
    limits = Limits(test_timeout_s=2.0, wall_time_s=20.0)
    with WorkerPool(spec, limits, SandboxSettings(workers=1, jail="bwrap")) as pool:
        yield pool


def test_each_test_reports_the_lines_of_the_program_it_ran(pool: WorkerPool) -> None:
    evaluation = pool.evaluate(PROGRAM, coverage=True)
    assert evaluation.status is Status.FAILED
    assert {t.name: t.outcome.value for t in evaluation.tests} == {
        NEGATIVE: "passed",
        ZERO: "failed",
        POSITIVE: "passed",
        ARITHMETIC: "passed",
    }
    assert evaluation.coverage == EXPECTED
    assert evaluation.output == ""  # coverage.py's warnings stay out of the candidate's output
    assert evaluation.to_dict()["coverage"][ZERO] == [2, 4, 5]


def test_without_coverage_the_map_is_empty(pool: WorkerPool) -> None:
    evaluation = pool.evaluate(PROGRAM)
    assert evaluation.coverage == {}
    assert "coverage" not in evaluation.to_dict()
    assert evaluation.failed == 1  # the same verdict either way


def test_a_fixed_program_covers_the_fixed_line(pool: WorkerPool) -> None:
    fixed = PROGRAM.replace("        return 1\n    return 1", "        return 0\n    return 1")
    evaluation = pool.evaluate(fixed, coverage=True)
    assert evaluation.status is Status.OK
    assert evaluation.coverage == EXPECTED


def test_a_test_that_times_out_reports_no_lines_and_the_rest_do(pool: WorkerPool) -> None:
    hangs = PROGRAM.replace(
        "        return 1\n    return 1", "        while True: pass\n    return 1"
    )
    evaluation = pool.evaluate(hangs, coverage=True)
    assert evaluation.status is Status.TIMEOUT
    assert ZERO not in evaluation.coverage
    assert evaluation.coverage == {k: v for k, v in EXPECTED.items() if k != ZERO}


def test_forged_lines_keep_only_ints_inside_the_program(pool: WorkerPool) -> None:
    junk = '["1", 2.0, True, None, [3], {"a": 1}, -5, 0, 10**6, 9, 2, 2, 1]'
    source = FORGE.replace("@LINES@", junk) + PROGRAM
    evaluation = pool.evaluate(source, coverage=True)
    assert evaluation.status is Status.FAILED  # forging its own lines is not a violation
    assert evaluation.coverage == {name: (1, 2, 9) for name in NAMES}
    assert max(max(lines) for lines in evaluation.coverage.values()) <= source.count("\n")


def test_forged_lines_are_ignored_when_coverage_was_not_asked_for(pool: WorkerPool) -> None:
    evaluation = pool.evaluate(FORGE.replace("@LINES@", "[1, 2]") + PROGRAM)
    assert evaluation.coverage == {}
    assert evaluation.status is Status.FAILED


def test_a_forged_flood_of_lines_is_capped_per_test(pool: WorkerPool) -> None:
    padding = "pass\n" * (MAX_TEST_LINES + 5_000)
    source = FORGE.replace("@LINES@", f"list(range({MAX_TEST_LINES + 5_000}, 0, -1))")
    evaluation = pool.evaluate(source + padding + PROGRAM, coverage=True)
    assert set(evaluation.coverage) == set(NAMES)
    for lines in evaluation.coverage.values():
        assert lines == tuple(range(1, MAX_TEST_LINES + 1))


@pytest.mark.parametrize(
    "payload",
    ['"[" + "9" * 5000 + "]"', '"[" * 100_000 + "]" * 100_000'],
    ids=["int-too-long", "nested-too-deep"],
)
def test_a_frame_python_cannot_decode_is_a_violation(pool: WorkerPool, payload: str) -> None:
    evaluation = pool.evaluate(RAW_FORGE.replace("@PAYLOAD@", payload) + PROGRAM, coverage=True)
    assert evaluation.status is Status.VIOLATION
    assert evaluation.passed == 0
    assert evaluation.coverage == {}
    assert pool.evaluate(PROGRAM, coverage=True).coverage == EXPECTED  # the worker lives on


def test_a_malformed_result_frame_is_a_violation_not_a_sandbox_error(pool: WorkerPool) -> None:
    source = FORGE.replace("@LINES@", "[1]").replace(
        'message["lines"] = [1]', 'message["duration_s"] = []'
    )
    evaluation = pool.evaluate(source + PROGRAM)
    assert evaluation.status is Status.VIOLATION
    assert evaluation.passed == 0


def test_the_evaluate_judge_has_no_coverage(write_problem: ProblemWriter) -> None:
    evaluate = "def evaluate(path):\n    return {'size': 1.0}\n"
    root = write_problem({"solve.py": "X = 1\n", "evaluate.py": evaluate}, name="no-coverage")
    spec = JudgeSpec(root, "solve.py", "evaluate")
    with WorkerPool(spec, Limits(), SandboxSettings(workers=1)) as pool:
        evaluation = pool.evaluate("X = 2\n", coverage=True)
    assert evaluation.status is Status.OK
    assert evaluation.coverage == {}


def test_per_file_coverage_of_a_single_file_problem(write_problem: ProblemWriter) -> None:
    files = {
        "prog.py": "from helper import twice\n\n\ndef f(x):\n    return twice(x)\n",
        "helper.py": "def twice(x):\n    return 2 * x\n\n\ndef unused():\n    return 0\n",
        "tests/test_prog.py": "from prog import f\n\n\ndef test_f():\n    assert f(2) == 4\n",
    }
    root = write_problem(files, name="per-file")
    spec = JudgeSpec(root, "prog.py", "tests", sources=("prog.py", "helper.py"))
    with WorkerPool(spec, Limits(), SandboxSettings(workers=1)) as pool:
        candidate = "# the candidate\n" + files["prog.py"]
        evaluation = pool.evaluate(candidate, file_coverage=True, coverage=True)
    name = "tests/test_prog.py::test_f"
    assert evaluation.file_coverage == {name: {"prog.py": (6,), "helper.py": (2,)}}
    assert evaluation.coverage == {name: (6,)}  # the candidate's lines, not the original's


@needs_bwrap
def test_coverage_is_not_imported_until_asked_for(spec: JudgeSpec) -> None:
    probe = "import sys\nprint('coverage' in sys.modules)\n"
    with WorkerPool(spec, Limits(), SandboxSettings(workers=1, jail="bwrap")) as fresh:
        before = fresh.evaluate(probe + PROGRAM)
        measured = fresh.evaluate(probe + PROGRAM, coverage=True)
    assert before.output.strip() == "False"
    assert measured.coverage[ZERO] == (4, 6, 7)  # two probe lines shift the program down


# ------------------------------------------------ the host checks the worker's reply again


def reply_with_lines(*lines: object) -> dict[str, Any]:
    tests = [
        {"name": f"t::{k}", "outcome": "passed", "duration_s": 0.0, "lines": value}
        for k, value in enumerate(lines)
    ]
    return {"op": "result", "tests": tests, "flags": []}


def test_the_host_keeps_only_valid_lines_of_a_reply() -> None:
    reply = reply_with_lines([3, 1, 3, True, "2", 2.5, 0, 11, -1], "1,2", None, [])
    evaluation = to_evaluation(reply, "tests", "bwrap", 0.1, max_line=10)
    assert evaluation.coverage == {"t::0": (1, 3), "t::3": ()}


def test_the_host_caps_the_lines_of_a_whole_reply() -> None:
    many = list(range(1, MAX_TEST_LINES + 1000))
    count = MAX_COVERAGE_LINES // MAX_TEST_LINES + 2
    reply = reply_with_lines(*[many] * count)
    evaluation = to_evaluation(reply, "tests", "bwrap", 0.1, max_line=len(many))
    sizes = [len(evaluation.coverage[f"t::{k}"]) for k in range(count)]
    assert sizes[0] == MAX_TEST_LINES
    assert sum(sizes) == MAX_COVERAGE_LINES
    assert sizes[-1] == 0


def test_the_host_keeps_only_valid_files_of_a_reply() -> None:
    tests = [
        {"name": "t::0", "outcome": "passed", "files": {"a.py": [1, 50], "x.py": [1]}},
        {"name": "t::1", "outcome": "passed", "files": [1, 2]},
        {"name": "t::2", "outcome": "passed"},
    ]
    reply = {"op": "result", "tests": tests, "flags": []}
    evaluation = to_evaluation(reply, "tests", "bwrap", 0.1, file_lines={"a.py": 10})
    assert evaluation.file_coverage == {"t::0": {"a.py": (1,)}}
    assert to_evaluation(reply, "tests", "bwrap", 0.1).file_coverage == {}
    assert to_evaluation(reply, "evaluate", "bwrap", 0.1, file_lines={"a.py": 10}).tests == ()


def test_the_host_reads_no_coverage_it_did_not_ask_for() -> None:
    reply = reply_with_lines([1, 2])
    assert to_evaluation(reply, "tests", "bwrap", 0.1).coverage == {}
    assert to_evaluation(reply, "evaluate", "bwrap", 0.1, max_line=5).coverage == {}


# ------------------------------------- the worker's own code, run in a plain fork of this process


def test_an_in_process_worker_measures_lines_inside_a_measured_process(tmp_path: Path) -> None:
    # petri's own test suite runs under coverage.py, which follows forks: the child's tracer
    # must nest inside it and leave it working.
    root = tmp_path / "problem"
    (root / "tests").mkdir(parents=True)
    (root / "inproc_cov.py").write_text(PROGRAM)
    (root / "tests" / "test_prog.py").write_text(
        textwrap.dedent(TESTS).replace("from prog", "from inproc_cov")
    )
    reply = _in_process_eval(root, "inproc_cov", PROGRAM, tmp_path / "tmp")
    lines = {t["name"].split("::")[1]: t.get("lines") for t in reply["tests"]}
    assert lines == {
        "test_negative": [2, 3],
        "test_zero": [2, 4, 5],
        "test_positive": [2, 4, 6],
        "test_arithmetic": [],
    }


def _in_process_eval(root: Path, module: str, source: str, tmp: Path) -> dict[str, Any]:
    tmp.mkdir()
    worker = InProcessWorker(
        {
            "root": str(root),
            "program": f"{module}.py",
            "module": module,
            "kind": "tests",
            "limits": Limits(test_timeout_s=5).model_dump(),
            "uid": None,
            "tmp_dir": str(tmp),
            "whole_namespace": False,
        }
    )
    try:
        assert worker.ready.get("op") == "ready"
        return worker.evaluate(source, coverage=True)
    finally:
        worker.close()


# Every test reads the table a session fixture loads once: the loader's lines count for each
# test that uses the fixture, not only for the first one, which set it up.
LOADER = """\
def load(rows):
    table = {}
    for key, value in rows:
        table[value] = key
    return table


def lookup(table, key):
    return table[key]
"""
FIXTURE_TESTS = """
    import pytest

    from loader import load, lookup


    @pytest.fixture(scope="session")
    def table():
        return load([("a", 1), ("b", 2)])


    def test_a(table):
        assert lookup(table, "a") == 1


    def test_b(table):
        assert lookup(table, "b") == 2


    def test_alone():
        assert lookup({"c": 3}, "c") == 3
"""


def test_a_shared_fixtures_lines_count_for_every_test_that_uses_it(
    write_problem: ProblemWriter,
) -> None:
    files = {"loader.py": LOADER, "tests/test_loader.py": FIXTURE_TESTS}
    root = write_problem(files, name="shared-fixture")
    spec = JudgeSpec(root, "loader.py", "tests")
    with WorkerPool(spec, Limits(), SandboxSettings(workers=1)) as pool:
        evaluation = pool.evaluate(LOADER, coverage=True)
    lines = {name.rsplit("::", 1)[1]: set(found) for name, found in evaluation.coverage.items()}
    loading = {2, 3, 4, 5}
    assert loading <= lines["test_a"] and loading <= lines["test_b"]  # set up by test_a only
    assert lines["test_alone"] == {9}  # its own lines only: it uses no shared fixture
    assert [t.outcome.value for t in evaluation.tests] == ["failed", "failed", "passed"]
