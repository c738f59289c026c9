"""The ``petri`` command, end to end through the real sandbox."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import typer
from rich.console import Console
from typer.testing import CliRunner, Result

from petri import __version__
from petri.cli import _petri_errors, app
from petri.errors import BackendError, ConfigError, JailUnavailable, PetriError, ProblemNotFound

FIXED_FIZZ = """
def fizzbuzz(n):
    if n < 1:
        raise ValueError(n)
    return "Fizz" * (n % 3 == 0) + "Buzz" * (n % 5 == 0) or str(n)


def fizzbuzz_upto(n):
    return [fizzbuzz(i) for i in range(1, n + 1)]
"""
ADDER = "def add(a, b):\n    return a + b\n"
ADDER_TEST = "from adder import add\n\ndef test_add():\n    assert add(1, 2) == 3\n"


def petri(*args: str | Path) -> Result:
    return CliRunner().invoke(app, [str(a) for a in args])


def run_json(*args: str | Path) -> dict[str, object]:
    result = petri("eval", *args, "--json")
    assert result.exit_code == 0, result.stderr
    data: dict[str, object] = json.loads(result.stdout)
    return data


def assert_one_line_error(result: Result, code: int, fix: str) -> None:
    assert result.exit_code == code
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("petri: error: ")
    assert fix in lines[0]


def test_version() -> None:
    result = petri("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"petri {__version__}"


def test_help_documents_every_option() -> None:
    result = petri("eval", "--help")
    assert result.exit_code == 0
    for option in ["--program", "--json", "PROBLEM", "another version", "JSON object"]:
        assert option in result.stdout
    assert {"eval", "init"} <= set(petri("--help").stdout.split())


def test_eval_shows_a_table(examples: Path) -> None:
    result = petri("eval", examples / "fizzbuzz")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "test_fizzbuzz[15]" in out
    assert "test_fizz[3]" in out
    assert "8 passed, 3 failed, 11 total" in out
    assert "status" in out and "failed" in out
    assert "peak memory" in out and "sandbox" in out


def test_eval_shows_each_failure_as_pytest_renders_it(examples: Path) -> None:
    out = petri("eval", examples / "fizzbuzz").stdout
    assert out.count('assert fizzbuzz(n) == "FizzBuzz"') == 2  # the failing line, per failure
    assert "AssertionError: assert 'Fizz' == 'FizzBuzz'" in out
    assert "test_zero_is_rejected" in out  # passed: in the table, nothing rendered
    assert "pytest.raises(ValueError)" not in out


def test_eval_json(examples: Path) -> None:
    data = run_json(examples / "fizzbuzz")
    expected = {"status", "tests", "passed", "failed", "metrics", "duration_s"}
    assert expected | {"peak_memory_bytes", "sandbox"} <= set(data)
    assert (data["status"], data["passed"], data["failed"]) == ("failed", 8, 3)
    tests = data["tests"]
    assert isinstance(tests, list) and len(tests) == 11
    assert {"name", "outcome", "duration_s"} <= set(tests[0])
    failed = {t["name"].rsplit("::", 1)[-1] for t in tests if t["outcome"] == "failed"}
    assert failed == {"test_fizzbuzz[15]", "test_fizzbuzz[45]", "test_first_thirty"}
    assert data["sandbox"] in {"bwrap", "rlimits"}


def test_program_option_judges_another_version(examples: Path, tmp_path: Path) -> None:
    fixed = tmp_path / "fixed_fizz.py"
    fixed.write_text(FIXED_FIZZ)
    data = run_json(examples / "fizzbuzz", "--program", fixed)
    assert (data["status"], data["passed"], data["failed"]) == ("ok", 11, 0)


def test_syntax_error_is_an_outcome(examples: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.py"
    broken.write_text("def fizzbuzz(n:\n")
    assert run_json(examples / "fizzbuzz", "-p", broken)["status"] == "invalid"


def test_evaluate_problem(examples: Path) -> None:
    data = run_json(examples / "evaluate_sum")
    assert data["status"] == "ok"
    metrics = data["metrics"]
    assert isinstance(metrics, dict)
    assert metrics["accuracy"] == 1.0
    assert {"runtime_s", "combined_score"} <= set(metrics)
    table = petri("eval", examples / "evaluate_sum")
    assert table.exit_code == 0 and "combined_score" in table.stdout


def test_rlimits_warning_goes_to_stderr_once(
    examples: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PETRI_SANDBOX__JAIL", "rlimits")
    for args in [(), ("--json",)]:
        result = petri("eval", examples / "fizzbuzz", *args)
        assert result.exit_code == 0, result.stderr
        assert result.stderr.count("rlimits only") == 1
        assert "rlimits only" not in result.stdout
    assert json.loads(result.stdout)["sandbox"] == "rlimits"  # stdout stays pure JSON


def test_missing_folder(tmp_path: Path) -> None:
    assert_one_line_error(petri("eval", tmp_path / "nowhere"), 2, "check the path")


def test_bad_toml(make_problem: Callable[..., Path]) -> None:
    root = make_problem({"adder.py": ADDER, "tests/test_a.py": ADDER_TEST, "petri.toml": "x = ["})
    assert_one_line_error(petri("eval", root), 2, "not valid TOML")


def test_binary_program(make_problem: Callable[..., Path]) -> None:
    root = make_problem({"adder.py": b"\x00\x01\x02", "tests/test_a.py": ADDER_TEST})
    assert_one_line_error(petri("eval", root), 2, "binary")


def test_evaluate_returning_a_list(make_problem: Callable[..., Path]) -> None:
    judge = "def evaluate(program_path):\n    return [1.0, 2.0]\n"
    root = make_problem({"adder.py": ADDER, "evaluate.py": judge})
    assert_one_line_error(petri("eval", root), 2, "evaluate")


def test_tests_that_fail_to_import(make_problem: Callable[..., Path]) -> None:
    test = "import no_such_module_anywhere\n\ndef test_a():\n    pass\n"
    root = make_problem({"adder.py": ADDER, "tests/test_a.py": test})
    assert_one_line_error(petri("eval", root), 2, "no_such_module_anywhere")


def test_init_then_eval(tmp_path: Path) -> None:
    result = petri("init", tmp_path / "mine")
    assert result.exit_code == 0, result.stderr
    assert "petri eval" in result.stdout
    data = run_json(tmp_path / "mine")
    assert data["status"] == "ok"
    assert data["failed"] == 0
    assert_one_line_error(petri("init", tmp_path / "mine"), 2, "choose a new folder name")


def test_python_dash_m(examples: Path) -> None:
    version = subprocess.run(
        [sys.executable, "-m", "petri", "--version"], capture_output=True, text=True, check=True
    )
    assert version.stdout.strip() == f"petri {__version__}"
    bad = subprocess.run(
        [sys.executable, "-m", "petri", "eval", str(examples / "nowhere")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 2
    assert bad.stderr.count("\n") == 1 and "Traceback" not in bad.stderr


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (ProblemNotFound("gone; check the path"), 2),
        (ConfigError("bad; fix it"), 2),
        (JailUnavailable("no bwrap; install it"), 3),
        (BackendError("down; start it"), 1),
    ],
)
def test_error_exit_codes(error: PetriError, code: int) -> None:
    err = Console(file=io.StringIO(), width=40)
    with pytest.raises(typer.Exit) as exc, _petri_errors(err):
        raise error
    assert exc.value.exit_code == code
    assert err.file.getvalue() == f"petri: error: {error}\n"  # type: ignore[attr-defined]


def test_a_test_that_never_ends_is_an_outcome(make_problem: Callable[..., Path]) -> None:
    forever = "def test_forever():\n    while True:\n        pass\n"
    root = make_problem(
        {
            "adder.py": ADDER,
            "tests/test_a.py": ADDER_TEST,
            "tests/test_b.py": forever,
            "petri.toml": "[limits]\ntest_timeout_s = 0.5\n",
        }
    )
    result = petri("eval", root)
    assert result.exit_code == 0, result.stderr
    assert "tests/test_b.py::test_forever" in result.stdout  # two files: full node ids
    assert "timeout" in result.stdout
    assert "1 passed, 1 failed, 2 total" in result.stdout
