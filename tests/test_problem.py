"""Loading a PROBLEM folder: discovery, the judge, and a one-line error for every bad input."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from petri.errors import (
    ConfigError,
    JudgeError,
    PetriError,
    ProblemError,
    ProblemNotFound,
    ProgramError,
)
from petri.problem import MAX_SOURCE_BYTES, load_problem
from petri.sandbox.spec import JudgeSpec

PROGRAM = "def add(a, b):\n    return a + b\n"
TEST = "from adder import add\n\ndef test_add():\n    assert add(1, 2) == 3\n"
MakeProblem = Callable[..., Path]
EVALUATE = "def evaluate(program_path):\n    return {'score': 1.0}\n"


def check_error(exc: pytest.ExceptionInfo[PetriError], cls: type[PetriError], fix: str) -> None:
    """The exact class, one line, and a message that names the fix."""
    assert type(exc.value) is cls
    message = str(exc.value)
    assert "\n" not in message
    assert fix in message


def test_loads_the_fizzbuzz_example(examples: Path) -> None:
    problem = load_problem(examples / "fizzbuzz")
    assert problem.root == (examples / "fizzbuzz").resolve()
    assert problem.root.is_absolute()
    assert (problem.program, problem.module, problem.judge) == ("fizz.py", "fizz", "tests")
    assert problem.program_path == problem.root / "fizz.py"
    assert problem.source == (examples / "fizzbuzz" / "fizz.py").read_text()
    assert problem.settings.limits.test_timeout_s == 2.0  # from its petri.toml
    assert problem.judge_spec() == JudgeSpec(problem.root, "fizz.py", "tests")


def test_loads_the_evaluate_example(examples: Path) -> None:
    problem = load_problem(str(examples / "evaluate_sum"))
    assert (problem.program, problem.judge) == ("sum_squares.py", "evaluate")
    assert problem.judge_spec().kind == "evaluate"


def test_a_program_indented_with_tabs_and_spaces_mixed_loads_in_spaces(
    make_problem: MakeProblem,
) -> None:
    mixed = "def add(a, b):\n    if a:\n\t    return a + b\n    return b\n"
    root = make_problem({"adder.py": mixed, "tests/test_a.py": TEST})
    problem = load_problem(root)
    assert problem.source == "def add(a, b):\n    if a:\n            return a + b\n    return b\n"
    (note,) = problem.notes
    assert "mixes tabs and spaces" in note and "adder.py" in note
    assert (root / "adder.py").read_text() == mixed  # the user's file is left as it is


def test_finds_the_single_program_without_petri_toml(make_problem: MakeProblem) -> None:
    root = make_problem(
        {"adder.py": PROGRAM, "conftest.py": "", "setup.py": "", "tests/test_a.py": TEST}
    )
    problem = load_problem(root)
    assert (problem.program, problem.judge) == ("adder.py", "tests")
    assert problem.settings.limits.test_timeout_s == 5.0


def test_petri_toml_names_program_and_judge(make_problem: MakeProblem) -> None:
    root = make_problem(
        {
            "adder.py": PROGRAM,
            "helper.py": "",
            "evaluate.py": EVALUATE,
            "tests/test_a.py": TEST,
            "petri.toml": 'program = "adder.py"\njudge = "evaluate"\n[limits]\nmemory_mb = 256\n',
        }
    )
    problem = load_problem(root)
    assert (problem.program, problem.judge) == ("adder.py", "evaluate")
    assert problem.settings.limits.memory_mb == 256


def test_program_option_judges_another_version(make_problem: MakeProblem, tmp_path: Path) -> None:
    root = make_problem({"adder.py": PROGRAM, "tests/test_a.py": TEST})
    other = tmp_path / "better.py"
    other.write_text("def add(a, b):\n    return b + a\n")
    problem = load_problem(root, program=other)
    assert problem.program == "adder.py"  # the tests still import `adder`
    assert problem.program_path == other
    assert problem.source == other.read_text()
    assert problem.judge_spec().program == "adder.py"


def test_syntax_error_is_not_a_petri_error(make_problem: MakeProblem) -> None:
    root = make_problem({"adder.py": "def add(:\n", "tests/test_a.py": TEST})
    assert load_problem(root).source == "def add(:\n"


def test_problem_code_is_never_executed(make_problem: MakeProblem, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    touch = f"open({str(marker)!r}, 'w').close()\n"
    root = make_problem(
        {"adder.py": touch + PROGRAM, "tests/test_a.py": touch + TEST, "tests/conftest.py": touch}
    )
    load_problem(root)
    root2 = make_problem({"p.py": touch, "evaluate.py": touch + EVALUATE}, name="other")
    load_problem(root2)
    assert not marker.exists()


@pytest.mark.parametrize(
    ("files", "cls", "fix"),
    [
        pytest.param({"tests/test_a.py": TEST}, ProgramError, "add one", id="no-program"),
        pytest.param(
            {"a.py": "", "b.py": "", "tests/test_a.py": TEST},
            ProgramError,
            'program = "a.py"',
            id="several-programs",
        ),
        pytest.param(
            {"petri.toml": 'program = "gone.py"', "adder.py": PROGRAM, "tests/test_a.py": TEST},
            ProgramError,
            "create it or fix",
            id="named-program-missing",
        ),
        pytest.param(
            {"petri.toml": 'program = "sub/adder.py"', "tests/test_a.py": TEST},
            ProgramError,
            "directly in the problem folder",
            id="program-in-subfolder",
        ),
        pytest.param(
            {"my-adder.py": PROGRAM, "tests/test_a.py": TEST},
            ProgramError,
            "rename it",
            id="program-not-importable",
        ),
        pytest.param(
            {"adder.py": b"\x7fELF\x00\x01", "tests/test_a.py": TEST},
            ProgramError,
            "pass a Python text file",
            id="binary-program",
        ),
        pytest.param(
            {"adder.py": "x = '\xe9'\n".encode("latin-1"), "tests/test_a.py": TEST},
            ProgramError,
            "save it as UTF-8",
            id="latin1-program",
        ),
        pytest.param(
            {"adder.py": "#" * (MAX_SOURCE_BYTES + 1), "tests/test_a.py": TEST},
            ProgramError,
            "too large",
            id="huge-program",
        ),
        pytest.param({"adder.py": PROGRAM}, JudgeError, "add tests/test_*.py", id="no-judge"),
        pytest.param(
            {"adder.py": PROGRAM, "tests/helpers.py": ""},
            JudgeError,
            "evaluate.py with evaluate(program_path)",
            id="tests-without-test-files",
        ),
        pytest.param(
            {"adder.py": PROGRAM, "petri.toml": 'judge = "tests"', "tests/data.txt": ""},
            JudgeError,
            "add tests/test_*.py",
            id="judge-tests-without-tests",
        ),
        pytest.param(
            {"adder.py": PROGRAM, "petri.toml": 'judge = "evaluate"'},
            JudgeError,
            "add one or use tests/",
            id="judge-evaluate-without-evaluate-py",
        ),
        pytest.param(
            {"adder.py": PROGRAM, "evaluate.py": EVALUATE, "tests/test_a.py": TEST},
            JudgeError,
            'judge = "tests"',
            id="both-judges",
        ),
        pytest.param(
            {"adder.py": PROGRAM, "evaluate.py": "def score(path):\n    return {}\n"},
            JudgeError,
            "add def evaluate(program_path)",
            id="evaluate-py-without-evaluate",
        ),
        pytest.param(
            {"adder.py": PROGRAM, "evaluate.py": "def evaluate(:\n"},
            JudgeError,
            "fix it",
            id="evaluate-py-syntax-error",
        ),
        pytest.param(
            {"adder.py": PROGRAM, "tests/test_a.py": "def test_(:\n"},
            JudgeError,
            "fix it",
            id="test-file-syntax-error",
        ),
        pytest.param(
            {"adder.py": PROGRAM, "tests/test_a.py": TEST, "tests/conftest.py": b"\0"},
            JudgeError,
            "pass a Python text file",
            id="binary-conftest",
        ),
        pytest.param(
            {"adder.py": PROGRAM, "tests/test_a.py": TEST, "petri.toml": "program = ["},
            ConfigError,
            "fix the file",
            id="broken-petri-toml",
        ),
    ],
)
def test_bad_problem(
    make_problem: MakeProblem, files: dict[str, str | bytes], cls: type[PetriError], fix: str
) -> None:
    with pytest.raises(cls) as exc:
        load_problem(make_problem(files))
    check_error(exc, cls, fix)


def test_evaluate_may_be_imported_or_assigned(make_problem: MakeProblem) -> None:
    for judge in ["from helpers import evaluate\n", "evaluate = lambda p: {}\n"]:
        root = make_problem({"p.py": "", "evaluate.py": judge}, name=f"p{len(judge)}")
        assert load_problem(root).judge == "evaluate"


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(ProblemNotFound) as exc:
        load_problem(tmp_path / "nowhere")
    check_error(exc, ProblemNotFound, "check the path")


def test_not_a_folder(tmp_path: Path) -> None:
    (tmp_path / "fizz.py").write_text(PROGRAM)
    with pytest.raises(ProblemError) as exc:
        load_problem(tmp_path / "fizz.py")
    check_error(exc, ProblemError, "pass the folder")


def test_program_option_missing(make_problem: MakeProblem, tmp_path: Path) -> None:
    root = make_problem({"adder.py": PROGRAM, "tests/test_a.py": TEST})
    with pytest.raises(ProblemNotFound) as exc:
        load_problem(root, program=tmp_path / "gone.py")
    check_error(exc, ProblemNotFound, "pass an existing .py file")


def test_program_option_binary(make_problem: MakeProblem, tmp_path: Path) -> None:
    root = make_problem({"adder.py": PROGRAM, "tests/test_a.py": TEST})
    (tmp_path / "blob.py").write_bytes(b"\0\0\0")
    with pytest.raises(ProgramError) as exc:
        load_problem(root, program=tmp_path / "blob.py")
    check_error(exc, ProgramError, "pass a Python text file")
