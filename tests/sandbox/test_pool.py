"""The warm worker pool: results, output, memory, concurrency and replacing dead workers."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from petri.config import Limits, SandboxSettings
from petri.errors import SandboxError
from petri.sandbox import Evaluation, JudgeSpec, Status, TestOutcome, WorkerPool, evaluate_once

ProblemWriter = Callable[..., Path]

TESTS = """
    import pytest

    from calc import double


    @pytest.mark.parametrize("n", [0, 1, 2, 21])
    def test_double(n):
        assert double(n) == 2 * n


    def test_type():
        assert isinstance(double(3), int)
"""
GOOD = "def double(n):\n    return n * 2\n"
OFF_BY = "def double(n):\n    return n * 2 + {k}\n"  # passes only when k == 0


@pytest.fixture(scope="module")
def problem(write_problem: ProblemWriter) -> Path:
    return write_problem({"calc.py": GOOD, "tests/test_calc.py": TESTS}, name="calc")


@pytest.fixture(scope="module")
def pool(problem: Path) -> Iterator[WorkerPool]:
    spec = JudgeSpec(problem, "calc.py", "tests")
    limits = Limits(test_timeout_s=5, output_kb=1)
    with WorkerPool(spec, limits, SandboxSettings(workers=2)) as pool:
        yield pool


def test_a_correct_program_is_ok(pool: WorkerPool) -> None:
    evaluation = pool.evaluate(GOOD)
    assert evaluation.status is Status.OK
    assert (evaluation.passed, evaluation.failed) == (5, 0)
    assert evaluation.message == ""
    assert evaluation.sandbox == pool.jail
    assert pool.jail in {"bwrap", "rlimits"}


def test_a_wrong_program_fails_the_tests_it_breaks(pool: WorkerPool) -> None:
    evaluation = pool.evaluate("def double(n):\n    return n + n if n else 1\n")
    assert evaluation.status is Status.FAILED
    outcomes = {t.name.split("::")[1]: t.outcome.value for t in evaluation.tests}
    assert outcomes == {
        "test_double[0]": "failed",
        "test_double[1]": "passed",
        "test_double[2]": "passed",
        "test_double[21]": "passed",
        "test_type": "passed",
    }


def test_peak_memory_is_measured(pool: WorkerPool) -> None:
    assert pool.evaluate(GOOD).peak_memory_bytes > 0


def test_output_is_captured(pool: WorkerPool) -> None:
    evaluation = pool.evaluate(
        "import sys\nprint('to stdout')\nprint('to stderr', file=sys.stderr)\n" + GOOD
    )
    assert "to stdout" in evaluation.output
    assert "to stderr" in evaluation.output
    assert evaluation.status is Status.OK  # printing is not a result


def test_output_is_bounded(pool: WorkerPool) -> None:
    noisy = "def double(n):\n    print('x' * 10_000)\n    return n * 2\n"
    evaluation = pool.evaluate(noisy)
    assert evaluation.status is Status.OK
    kept = evaluation.output.split("\n[petri:")[0]
    assert len(kept.encode()) <= 1024  # output_kb=1
    assert "more bytes of output dropped" in evaluation.output


def test_evaluation_serializes_to_json(pool: WorkerPool) -> None:
    data = json.loads(json.dumps(pool.evaluate(GOOD).to_dict()))
    assert data["status"] == "ok"
    assert data["passed"] == 5
    assert data["failed"] == 0
    assert data["sandbox"] == pool.jail
    assert {t["outcome"] for t in data["tests"]} == {"passed"}
    assert set(data["tests"][0]) == {"name", "outcome", "duration_s"}


def test_a_source_too_large_is_invalid_without_running(pool: WorkerPool) -> None:
    evaluation = pool.evaluate("x = 1\n" + "#" * (1024 * 1024 + 1))
    assert evaluation.status is Status.INVALID


def test_concurrent_evaluations_from_threads_are_consistent(pool: WorkerPool) -> None:
    jobs = [k % 3 for k in range(24)]  # k == 0 passes, anything else fails
    results: dict[int, Evaluation] = {}
    errors: list[BaseException] = []

    def run(indexes: list[int]) -> None:
        try:
            for i in indexes:
                results[i] = pool.evaluate(OFF_BY.format(k=jobs[i]))
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(list(range(t, 24, 4)),)) for t in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert sorted(results) == list(range(24))
    for i, evaluation in results.items():
        expected = Status.OK if jobs[i] == 0 else Status.FAILED
        assert evaluation.status is expected, (i, evaluation)
        assert evaluation.passed == (5 if jobs[i] == 0 else 1)  # test_type passes regardless


def test_a_worker_killed_by_its_candidate_is_replaced(pool: WorkerPool) -> None:
    killer = "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\n" + GOOD
    for _ in range(2):  # more than one worker may be hit
        evaluation = pool.evaluate(killer)
        assert evaluation.status is Status.VIOLATION
        assert "worker" in evaluation.message
        assert evaluation.passed == 0
    # Both workers are alive again and serve as before.
    for _ in range(4):
        assert pool.evaluate(GOOD).status is Status.OK


def test_evaluate_once(problem: Path) -> None:
    spec = JudgeSpec(problem, "calc.py", "tests")
    evaluation, warning = evaluate_once(spec, GOOD, Limits(), SandboxSettings())
    assert evaluation.status is Status.OK
    assert warning is None or "bubblewrap" in warning or "rlimits" in warning


def test_a_closed_pool_refuses_work(problem: Path) -> None:
    spec = JudgeSpec(problem, "calc.py", "tests")
    with WorkerPool(spec, Limits(), SandboxSettings(workers=1)) as pool:
        assert pool.evaluate(GOOD).status is Status.OK
    with pytest.raises(SandboxError, match="closed"):
        pool.evaluate(GOOD)


def test_a_program_named_like_a_test_module_is_judged_not_collected(
    write_problem: ProblemWriter,
) -> None:
    tests = TESTS.replace("from calc import", "from calc_test import")
    root = write_problem({"calc_test.py": GOOD, "tests/test_calc.py": tests}, name="calc_test")
    spec = JudgeSpec(root, "calc_test.py", "tests")
    with WorkerPool(spec, Limits(), SandboxSettings(workers=1)) as pool:
        evaluation = pool.evaluate(GOOD)
    assert evaluation.status is Status.OK
    assert all(t.name.startswith("tests/test_calc.py::") for t in evaluation.tests)


def test_a_failing_worker_is_petris_error_and_is_replaced(
    problem: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from petri.sandbox.worker_process import WorkerProcess

    spec = JudgeSpec(problem, "calc.py", "tests")
    with WorkerPool(spec, Limits(), SandboxSettings(workers=1)) as pool:
        real = WorkerProcess.evaluate
        with monkeypatch.context() as patched:
            # What the harness sends when its own loop raises (see test_harness_inprocess).
            failure = {"op": "error", "message": "Traceback ...\nRuntimeError: disk gone"}
            patched.setattr(WorkerProcess, "evaluate", lambda *args: failure)
            with pytest.raises(SandboxError, match="RuntimeError: disk gone"):
                pool.evaluate(GOOD)
        assert WorkerProcess.evaluate is real
        assert pool.evaluate(GOOD).status is Status.OK  # a fresh worker took its place


@pytest.mark.skipif(os.geteuid() != 0, reason="only root's workers run as another uid")
def test_a_problem_only_its_owner_can_read_is_staged_for_the_jail(
    write_problem: ProblemWriter,
) -> None:
    root = write_problem({"calc.py": GOOD, "tests/test_calc.py": TESTS}, name="private")
    for path in [root, *root.rglob("*")]:
        path.chmod(0o700 if path.is_dir() else 0o600)  # as umask 077 leaves them
    spec = JudgeSpec(root, "calc.py", "tests")
    for jail_kind in ("auto", "rlimits"):
        settings = SandboxSettings(workers=1, jail=jail_kind)  # type: ignore[arg-type]
        with WorkerPool(spec, Limits(), settings) as pool:
            assert pool.evaluate(GOOD).status is Status.OK
            assert pool.evaluate(OFF_BY.format(k=1)).status is Status.FAILED
            staged = pool._staged.name if pool._staged else None
        assert staged is not None and not os.path.exists(staged)  # removed with the pool
    assert oct(root.stat().st_mode & 0o777) == "0o700"  # the user's folder is left as it was


def test_a_worker_dying_at_start_up_shows_what_it_printed(write_problem: ProblemWriter) -> None:
    conftest = "import os, sys\nprint('conftest gave up: no GPU', file=sys.stderr)\nos._exit(3)\n"
    root = write_problem(
        {"calc.py": GOOD, "tests/test_calc.py": TESTS, "tests/conftest.py": conftest},
        name="dies_at_start",
    )
    pool = WorkerPool(JudgeSpec(root, "calc.py", "tests"), Limits(), SandboxSettings(workers=1))
    with pytest.raises(SandboxError, match="conftest gave up: no GPU"):
        pool.start()
    pool.close()


def test_a_candidate_can_be_given_a_shorter_test_timeout(write_problem: ProblemWriter) -> None:
    root = write_problem(
        {
            "loop.py": "def spin(forever):\n    while forever:\n        pass\n    return 1\n",
            "tests/test_loop.py": (
                "from loop import spin\n\ndef test_spin():\n    assert spin(True)\n\n"
                "def test_stop():\n    assert spin(False)\n"
            ),
        },
        name="shorter-timeout",
    )
    limits = Limits(test_timeout_s=1.0)
    sandbox = SandboxSettings(jail="auto", workers=1)
    source = (root / "loop.py").read_text()
    with WorkerPool(JudgeSpec(root, "loop.py", "tests"), limits, sandbox) as pool:
        short = pool.evaluate(source, test_timeout_s=0.3)
        assert short.status is Status.TIMEOUT
        assert short.tests[0].message == "exceeded 0.3 s"  # not the problem's 1 s
        assert short.tests[1].message == "not run: an earlier test timed out"
        longer = pool.evaluate(source, test_timeout_s=50)
        assert longer.tests[0].message == "exceeded 1 s"  # a request never lengthens the limit
        plain = pool.evaluate(source)
        assert plain.tests[1].outcome is TestOutcome.PASSED  # without it the rest still run


def test_an_evaluate_worker_holds_only_what_its_children_use(write_problem: ProblemWriter) -> None:
    """Every module the worker imports is copied into each candidate's fork: what only type
    annotations, rare error paths or the host need must not be there, nor threading and random,
    whose at-fork hooks every child would run (the seccomp binding used to bring both)."""
    heavy = (
        "threading", "random", "typing", "dataclasses", "inspect", "traceback", "shutil",
        "pathlib", "pydantic",
    )  # fmt: skip
    judge = (
        "import sys\n"
        "def evaluate(path):\n"
        f"    print(sorted(m for m in {heavy!r} if m in sys.modules))\n"
        "    return {'modules': float(len(sys.modules))}\n"
    )
    root = write_problem({"solve.py": "X = 1\n", "evaluate.py": judge}, name="lean")
    spec = JudgeSpec(root, "solve.py", "evaluate")
    with WorkerPool(spec, Limits(), SandboxSettings(workers=1)) as pool:
        evaluation = pool.evaluate("X = 2\n")
    assert evaluation.status is Status.OK
    assert evaluation.output.strip() == "[]"
