"""Real pytest semantics inside the warm pool: what a pytest user writes works unchanged.

One problem exercises parametrize, fixtures of every scope, conftest.py, data files, the ways a
test imports the program, marks and fixture errors; one warm pool serves the whole module.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from petri.config import Limits, SandboxSettings
from petri.errors import JudgeError
from petri.sandbox import Evaluation, JudgeSpec, Status, TestOutcome, WorkerPool

ProblemWriter = Callable[..., Path]

PROGRAM = textwrap.dedent(
    '''
    """A small library the tests exercise."""

    SEPARATOR = ","


    def add(a, b):
        return a + b


    def mul(a, b):
        return a * b


    def parse(line):
        return [int(part) for part in line.split(SEPARATOR)]


    class Stack:
        def __init__(self):
            self.items = []

        def push(self, item):
            self.items.append(item)
            return len(self.items)
'''
)

CONFTEST = """
    import pytest

    SESSION_SETUPS = []


    @pytest.fixture(scope="session")
    def session_log():
        SESSION_SETUPS.append("setup")
        return SESSION_SETUPS


    @pytest.fixture
    def numbers():
        return [1, 2, 3]
"""

TEST_SEMANTICS = """
    import sys
    import time
    from pathlib import Path

    import pytest

    import prog
    from prog import add, mul

    DATA = Path(__file__).parent / "data"
    MODULE_SETUPS = []


    @pytest.mark.parametrize(("a", "b", "expected"), [(1, 2, 3), (2, 2, 4), (-1, 1, 0)])
    def test_add(a, b, expected):
        assert add(a, b) == expected


    @pytest.mark.parametrize("f", [prog.add, prog.mul])
    def test_program_functions(f):
        assert f(2, 2) == 4


    def test_attribute_of_module():
        assert prog.parse("4,5") == [4, 5]
        assert prog.SEPARATOR == ","


    def test_conftest_fixture(numbers):
        assert sum(numbers) == 6


    def test_data_file():
        lines = (DATA / "cases.txt").read_text().splitlines()
        assert [prog.parse(line) for line in lines] == [[1, 2, 3], [4, 5, 6]]


    @pytest.fixture(scope="module")
    def module_resource():
        MODULE_SETUPS.append("setup")
        return prog.Stack()


    def test_module_fixture_first(module_resource):
        assert module_resource.push("a") == 1


    def test_module_fixture_shared(module_resource):
        assert module_resource.push("b") == 2
        assert MODULE_SETUPS == ["setup"]


    def test_session_fixture_first(session_log):
        assert session_log == ["setup"]


    def test_session_fixture_shared(session_log):
        assert session_log == ["setup"]


    @pytest.fixture
    def function_resource():
        return prog.Stack()


    def test_function_fixture_fresh_a(function_resource):
        assert function_resource.push(1) == 1


    def test_function_fixture_fresh_b(function_resource):
        assert function_resource.push(1) == 1


    @pytest.mark.skip(reason="not today")
    def test_skip():
        raise AssertionError("a skipped test must not run")


    @pytest.mark.skipif(sys.version_info < (99,), reason="needs a future Python")
    def test_skipif():
        raise AssertionError("a skipped test must not run")


    def test_skip_at_runtime():
        pytest.skip("decided while running")


    @pytest.mark.xfail(reason="known bug")
    def test_xfail():
        assert mul(2, 3) == 7


    @pytest.mark.xfail(strict=True, reason="was expected to fail")
    def test_xpass_strict():
        assert mul(2, 3) == 6


    @pytest.fixture
    def broken():
        raise RuntimeError("fixture exploded")


    def test_fixture_error(broken):
        pass


    def test_fails():
        assert add(2, 2) == 5, "two and two"


    def test_takes_a_while():
        time.sleep(0.05)
"""

TEST_STAR = """
    from prog import *


    def test_star_import():
        assert parse("7") == [7]
        assert Stack().push(0) == 1
"""

EXPECTED = {
    "tests/test_semantics.py::test_add[1-2-3]": "passed",
    "tests/test_semantics.py::test_add[2-2-4]": "passed",
    "tests/test_semantics.py::test_add[-1-1-0]": "passed",
    "tests/test_semantics.py::test_program_functions[add]": "passed",
    "tests/test_semantics.py::test_program_functions[mul]": "passed",
    "tests/test_semantics.py::test_attribute_of_module": "passed",
    "tests/test_semantics.py::test_conftest_fixture": "passed",
    "tests/test_semantics.py::test_data_file": "passed",
    "tests/test_semantics.py::test_module_fixture_first": "passed",
    "tests/test_semantics.py::test_module_fixture_shared": "passed",
    "tests/test_semantics.py::test_session_fixture_first": "passed",
    "tests/test_semantics.py::test_session_fixture_shared": "passed",
    "tests/test_semantics.py::test_function_fixture_fresh_a": "passed",
    "tests/test_semantics.py::test_function_fixture_fresh_b": "passed",
    "tests/test_semantics.py::test_skip": "skipped",
    "tests/test_semantics.py::test_skipif": "skipped",
    "tests/test_semantics.py::test_skip_at_runtime": "skipped",
    "tests/test_semantics.py::test_xfail": "skipped",
    "tests/test_semantics.py::test_xpass_strict": "failed",
    "tests/test_semantics.py::test_fixture_error": "error",
    "tests/test_semantics.py::test_fails": "failed",
    "tests/test_semantics.py::test_takes_a_while": "passed",
    "tests/test_star.py::test_star_import": "passed",
}


@pytest.fixture(scope="module")
def problem(write_problem: ProblemWriter) -> Path:
    return write_problem(
        {
            "prog.py": PROGRAM,
            "tests/conftest.py": CONFTEST,
            "tests/test_semantics.py": TEST_SEMANTICS,
            "tests/test_star.py": TEST_STAR,
            "tests/data/cases.txt": "1,2,3\n4,5,6\n",
        },
        name="semantics",
    )


@pytest.fixture(scope="module")
def pool(problem: Path) -> Iterator[WorkerPool]:
    spec = JudgeSpec(problem, "prog.py", "tests")
    with WorkerPool(spec, Limits(test_timeout_s=5), SandboxSettings(workers=1)) as pool:
        yield pool


@pytest.fixture(scope="module")
def original(pool: WorkerPool, problem: Path) -> Evaluation:
    return pool.evaluate((problem / "prog.py").read_text())


def outcomes(evaluation: Evaluation) -> dict[str, str]:
    return {t.name: t.outcome.value for t in evaluation.tests}


def test_every_test_has_its_pytest_outcome(original: Evaluation) -> None:
    assert outcomes(original) == EXPECTED
    assert original.status is Status.FAILED  # a failure and a fixture error
    assert original.passed == list(EXPECTED.values()).count("passed") == 16
    assert original.failed == 3  # skips are neither passed nor failed


def test_names_are_pytest_node_ids(original: Evaluation, problem: Path) -> None:
    collected = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"],
        cwd=problem,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.splitlines()
    node_ids = [line for line in collected if "::" in line]
    assert [t.name for t in original.tests] == node_ids


def test_failures_carry_a_message(original: Evaluation) -> None:
    by_name = {t.name: t for t in original.tests}
    assert "fixture exploded" in by_name["tests/test_semantics.py::test_fixture_error"].message
    assert "two and two" in by_name["tests/test_semantics.py::test_fails"].message
    assert by_name["tests/test_semantics.py::test_add[1-2-3]"].message == ""


def test_a_crash_names_the_program_line_that_raised_it(
    pool: WorkerPool, original: Evaluation
) -> None:
    crashing = PROGRAM.replace("return a + b", "return a + b + None if a > 0 else a + b")
    line = crashing.splitlines().index("    return a + b + None if a > 0 else a + b") + 1
    found = {t.name: t for t in pool.evaluate(crashing, failure_details=False).tests}
    assert found["tests/test_semantics.py::test_add[1-2-3]"].line == line  # raised in add
    assert found["tests/test_semantics.py::test_add[-1-1-0]"].line == 0  # passed
    assert found["tests/test_semantics.py::test_add[-1-1-0]"].message == ""
    assert {t.line for t in original.tests} == {0}  # the tests' own asserts, a fixture's error
    detailed = {t.name: t for t in pool.evaluate(crashing).tests}
    assert detailed["tests/test_semantics.py::test_add[1-2-3]"].line == line


def test_each_test_reports_its_duration(original: Evaluation) -> None:
    assert all(t.duration_s >= 0 for t in original.tests)
    slow = next(t for t in original.tests if t.name.endswith("test_takes_a_while"))
    assert slow.duration_s >= 0.05


def test_a_candidate_is_judged_by_what_it_defines(pool: WorkerPool) -> None:
    fixed = PROGRAM.replace("a + b", "a + b if (a, b) != (9, 9) else 0")
    wrong = PROGRAM.replace("return a + b", "return a - b")
    assert outcomes(pool.evaluate(fixed)) == outcomes(pool.evaluate(PROGRAM.strip()))
    result = outcomes(pool.evaluate(wrong))
    assert result["tests/test_semantics.py::test_add[1-2-3]"] == "failed"
    assert result["tests/test_semantics.py::test_add[2-2-4]"] == "failed"
    assert result["tests/test_semantics.py::test_add[-1-1-0]"] == "failed"
    assert result["tests/test_semantics.py::test_program_functions[add]"] == "failed"
    assert result["tests/test_semantics.py::test_program_functions[mul]"] == "passed"


def test_candidate_lacking_an_imported_name_fails_those_tests(pool: WorkerPool) -> None:
    without_mul = PROGRAM.replace("def mul(a, b):\n    return a * b", "")
    assert "def mul" not in without_mul
    evaluation = pool.evaluate(without_mul)
    result = {t.name: t for t in evaluation.tests}
    assert evaluation.status is Status.FAILED
    assert set(result) == set(EXPECTED)
    mul_param = result["tests/test_semantics.py::test_program_functions[mul]"]
    assert mul_param.outcome is TestOutcome.FAILED
    assert "mul" in mul_param.message
    assert result["tests/test_semantics.py::test_xpass_strict"].outcome is not TestOutcome.PASSED
    assert result["tests/test_semantics.py::test_add[1-2-3]"].outcome is TestOutcome.PASSED
    assert result["tests/test_star.py::test_star_import"].outcome is TestOutcome.PASSED


def test_syntax_error_is_invalid(pool: WorkerPool) -> None:
    evaluation = pool.evaluate("def add(a, b)\n    return a + b\n")
    assert evaluation.status is Status.INVALID
    assert "SyntaxError" in evaluation.message
    assert evaluation.passed == 0


def test_candidate_raising_at_import_passes_nothing(pool: WorkerPool) -> None:
    evaluation = pool.evaluate(PROGRAM + "\nraise ValueError('refuses to load')\n")
    assert evaluation.status is Status.FAILED
    assert "refuses to load" in evaluation.message
    assert evaluation.passed == 0
    assert all(t.outcome is TestOutcome.ERROR for t in evaluation.tests)


def test_pool_still_serves_after_bad_candidates(pool: WorkerPool, original: Evaluation) -> None:
    again = pool.evaluate(PROGRAM)
    assert outcomes(again) == outcomes(original)


# -- failure details: rendered on request, never what decides an outcome ---------------------------

CANDIDATES = {
    "the original": PROGRAM,
    "failing assertions": PROGRAM.replace("return a + b", "return a - b"),
    "an exception": PROGRAM.replace("return a + b", "raise ValueError('no sums today')"),
    "a syntax error": "def add(a, b)\n    return a + b\n",
    "an endless loop": PROGRAM.replace("return a + b", "while True:\n        pass"),
}
FAILURES = {TestOutcome.FAILED, TestOutcome.ERROR}


@pytest.mark.parametrize("candidate", sorted(CANDIDATES))
def test_failure_details_change_no_outcome(pool: WorkerPool, candidate: str) -> None:
    source = CANDIDATES[candidate]
    # A search's short per-test timeout, so the endless loop costs a second, not minutes.
    detailed = pool.evaluate(source, test_timeout_s=0.5)
    brief = pool.evaluate(source, test_timeout_s=0.5, failure_details=False)
    assert outcomes(brief) == outcomes(detailed)
    assert brief.status is detailed.status
    assert brief.message == detailed.message
    assert not any(t.details for t in brief.tests)
    assert all(t.message for t in brief.tests if t.outcome in FAILURES)  # still named


def test_failure_details_show_what_pytest_renders(pool: WorkerPool) -> None:
    wrong = CANDIDATES["failing assertions"]
    detailed = {t.name: t for t in pool.evaluate(wrong).tests}
    brief = {t.name: t for t in pool.evaluate(wrong, failure_details=False).tests}
    name = "tests/test_semantics.py::test_add[1-2-3]"
    # The failing line of the test, and the values it compared.
    assert "assert add(a, b) == expected" in detailed[name].details
    assert "assert -1 == 3" in detailed[name].details
    assert "-1 == 3" in detailed[name].message == brief[name].message
    assert "fixture exploded" in detailed["tests/test_semantics.py::test_fixture_error"].details
    assert "fixture exploded" in brief["tests/test_semantics.py::test_fixture_error"].message
    assert all(not t.details for t in detailed.values() if t.outcome not in FAILURES)
    assert pool.evaluate(wrong).to_dict()["tests"][0]["details"] == detailed[name].details


# -- a test that loops forever is cut, and the rest still run -----------------------------------

LOOPING_TESTS = """
    import time

    from prog import answer


    def test_before():
        assert answer() == 42


    def test_spins_forever():
        while True:
            pass


    def test_sleeps_forever():
        time.sleep(3600)


    def test_after():
        assert answer() == 42


    def test_last():
        assert answer() + 1 == 43
"""


@pytest.fixture(scope="module")
def looping(write_problem: ProblemWriter) -> Evaluation:
    root = write_problem(
        {"prog.py": "def answer():\n    return 42\n", "tests/test_loop.py": LOOPING_TESTS},
        name="looping",
    )
    spec = JudgeSpec(root, "prog.py", "tests")
    with WorkerPool(spec, Limits(test_timeout_s=1), SandboxSettings(workers=1)) as pool:
        return pool.evaluate("def answer():\n    return 42\n")


def test_endless_tests_are_cut_and_the_rest_still_run(looping: Evaluation) -> None:
    assert outcomes(looping) == {
        "tests/test_loop.py::test_before": "passed",
        "tests/test_loop.py::test_spins_forever": "timeout",
        "tests/test_loop.py::test_sleeps_forever": "timeout",
        "tests/test_loop.py::test_after": "passed",
        "tests/test_loop.py::test_last": "passed",
    }
    assert looping.status is Status.TIMEOUT
    assert "test_spins_forever" in looping.message


def test_candidate_looping_in_one_function_only_times_that_test_out(
    write_problem: ProblemWriter,
) -> None:
    root = write_problem(
        {
            "prog.py": "def f(x):\n    return x\n",
            "tests/test_f.py": (
                "from prog import f\n\n"
                "def test_one():\n    assert f(1) == 1\n\n"
                "def test_zero():\n    assert f(0) == 0\n\n"
                "def test_two():\n    assert f(2) == 2\n"
            ),
        },
        name="loop_in_candidate",
    )
    candidate = "def f(x):\n    while x == 0:\n        pass\n    return x\n"
    spec = JudgeSpec(root, "prog.py", "tests")
    with WorkerPool(spec, Limits(test_timeout_s=1), SandboxSettings(workers=1)) as pool:
        evaluation = pool.evaluate(candidate)
    assert outcomes(evaluation) == {
        "tests/test_f.py::test_one": "passed",
        "tests/test_f.py::test_zero": "timeout",
        "tests/test_f.py::test_two": "passed",
    }


# -- judges that cannot be loaded ---------------------------------------------------------------


def start(root: Path) -> None:
    spec = JudgeSpec(root, "prog.py", "tests")
    with WorkerPool(spec, Limits(), SandboxSettings(workers=1)):
        pass


# Judges petri cannot use: each is refused when the pool starts, naming what to fix.
UNUSABLE_TESTS = {
    "broken": (
        {
            "tests/test_fine.py": "def test_fine():\n    assert True\n",
            "tests/test_broken.py": "import no_such_module_anywhere\n\ndef test_x():\n    pass\n",
        },
        r"test_broken\.py",
    ),
    "syntax": ({"tests/test_syntax.py": "def test_x(:\n    pass\n"}, r"test_syntax\.py"),
    "empty": ({"tests/helpers.py": "def helper():\n    return 1\n"}, "no tests"),
}


@pytest.mark.parametrize("case", sorted(UNUSABLE_TESTS))
def test_unusable_tests_are_a_judge_error(write_problem: ProblemWriter, case: str) -> None:
    files, named = UNUSABLE_TESTS[case]
    root = write_problem({"prog.py": "x = 1\n", **files}, name=case)
    with pytest.raises(JudgeError, match=named):
        start(root)
