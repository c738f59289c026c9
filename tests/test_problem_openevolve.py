"""Loading a folder in the public format: initial_program.py + evaluator.py (+ config.yaml)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from petri.errors import JudgeError, PetriError, ProblemError, ProgramError
from petri.problem import MAX_SOURCE_BYTES, check_markers, load_problem
from petri.sandbox.spec import JudgeSpec

MakeProblem = Callable[..., Path]
PROGRAM = (
    "import math\n\n# EVOLVE-BLOCK-START\ndef f(x):\n    return x + 1\n# EVOLVE-BLOCK-END\n\n"
    "def run():\n    return f(2)\n"
)
EVALUATOR = "def evaluate(program_path):\n    return {'combined_score': 1.0}\n"


def public(make_problem: MakeProblem, **files: str | bytes) -> Path:
    return make_problem({"initial_program.py": PROGRAM, "evaluator.py": EVALUATOR, **files})


def test_the_layout_is_the_openevolve_judge(make_problem: MakeProblem) -> None:
    root = public(make_problem, **{"helper.py": "", "config.yaml": "max_iterations: 12\n"})
    problem = load_problem(root)
    assert (problem.program, problem.judge) == ("initial_program.py", "openevolve")
    assert problem.judge_spec() == JudgeSpec(problem.root, "initial_program.py", "openevolve")
    assert problem.settings.evolve.max_evals == 12
    assert problem.notes == ()


def test_ignored_config_keys_are_one_note(make_problem: MakeProblem) -> None:
    root = public(make_problem, **{"config.yaml": "llm:\n  api_base: x\nlog_level: INFO\n"})
    (note,) = load_problem(root).notes
    assert note.startswith("config.yaml: petri ignores llm, log_level (it reads ")


def test_petri_toml_may_name_another_program(make_problem: MakeProblem) -> None:
    root = make_problem(
        {
            "search.py": PROGRAM,
            "evaluator.py": EVALUATOR,
            "petri.toml": 'judge = "openevolve"\n',
            "config.yaml": "random_seed: 5\n",
        }
    )
    problem = load_problem(root)
    assert (problem.program, problem.judge) == ("search.py", "openevolve")
    assert problem.settings.evolve.seed == 5


def test_the_evaluator_is_never_executed(make_problem: MakeProblem, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    touch = f"open({str(marker)!r}, 'w').close()\n"
    load_problem(public(make_problem, **{"evaluator.py": touch + EVALUATOR}))
    assert not marker.exists()


def check(root: Path, cls: type[PetriError], fix: str) -> None:
    with pytest.raises(PetriError) as info:
        load_problem(root)
    assert type(info.value) is cls
    assert "\n" not in str(info.value)
    assert fix in str(info.value)


@pytest.mark.parametrize(
    ("files", "cls", "fix"),
    [
        (
            {"evaluator.py": "def evaluate_stage1(path):\n    return {}\n"},
            JudgeError,
            "defines no evaluate()",
        ),
        ({"evaluator.py": "def evaluate(path:\n"}, JudgeError, "evaluator.py:1: judge has a"),
        ({"evaluator.py": b"\x00\x01"}, JudgeError, "binary"),
        ({"evaluator.py": "#" * (MAX_SOURCE_BYTES + 1)}, JudgeError, "too large"),
        ({"initial_program.py": b"x = 1\x00"}, ProgramError, "binary"),
        ({"initial_program.py": "#" * (MAX_SOURCE_BYTES + 1)}, ProgramError, "too large"),
        ({"config.yaml": "max_iterations: [\n"}, ProblemError, "not valid YAML"),
        ({"config.yaml": "random_seed: x\n"}, ProblemError, "random_seed must be"),
        ({"tests/test_a.py": "def test_a():\n    pass\n"}, JudgeError, 'judge = "openevolve"'),
        ({"evaluate.py": EVALUATOR}, JudgeError, 'judge = "evaluate" or judge = "openevolve"'),
    ],
    ids=[
        "no-evaluate",
        "evaluator-syntax-error",
        "binary-evaluator",
        "huge-evaluator",
        "binary-program",
        "huge-program",
        "bad-yaml",
        "wrong-type",
        "also-tests",
        "also-evaluate-py",
    ],
)
def test_bad_folders_are_one_line_errors(
    make_problem: MakeProblem, files: dict[str, str | bytes], cls: type[PetriError], fix: str
) -> None:
    check(public(make_problem, **files), cls, fix)


def test_the_program_may_not_be_the_evaluator(make_problem: MakeProblem) -> None:
    root = public(make_problem, **{"petri.toml": 'program = "evaluator.py"\n'})
    check(root, ProgramError, "other than conftest.py, evaluate.py, evaluator.py, setup.py")


@pytest.mark.parametrize(
    ("lines", "fix"),
    [
        (["# EVOLVE-BLOCK-START", "x = 1"], "program.py:3: EVOLVE-BLOCK-START is never closed"),
        (["x = 1", "# EVOLVE-BLOCK-END"], ":4: EVOLVE-BLOCK-END with no START above it"),
        (
            ["# EVOLVE-BLOCK-START", "  # EVOLVE-BLOCK-START", "# EVOLVE-BLOCK-END"],
            ":4: EVOLVE-BLOCK-START inside the block opened on line 3",
        ),
    ],
    ids=["unclosed", "end-first", "nested"],
)
def test_unbalanced_markers_are_a_program_error(
    make_problem: MakeProblem, lines: list[str], fix: str
) -> None:
    program = "import os\n\n" + "\n".join(lines) + "\n"
    root = public(make_problem, **{"initial_program.py": program})
    check(root, ProgramError, fix)
    check(root, ProgramError, "pair each # EVOLVE-BLOCK-START with an # EVOLVE-BLOCK-END")


def test_balanced_markers_and_none_at_all_load() -> None:
    check_markers(PROGRAM + "# EVOLVE-BLOCK-START\ny = 2\n# EVOLVE-BLOCK-END\n", Path("p.py"))
    check_markers("x = 1\r\n#EVOLVE-BLOCK-START\r\ny = 2\r\n  #  EVOLVE-BLOCK-END\r\n", Path("p"))
    check_markers("def f():\n    return 1\n", Path("p.py"))  # no markers: all of it evolves
