"""The ``evaluate(program_path) -> dict[str, float]`` judge through the warm pool."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from petri.config import Limits, SandboxSettings
from petri.errors import JudgeError
from petri.sandbox import JudgeSpec, Status, WorkerPool

ProblemWriter = Callable[..., Path]

# The judge loads the candidate and scores what its ``score()`` returns, so each candidate
# below decides what evaluate() hands back to petri.
EVALUATE = """
    import importlib.util


    def evaluate(program_path):
        spec = importlib.util.spec_from_file_location("candidate", program_path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module.score()
"""


@pytest.fixture(scope="module")
def pool(write_problem: ProblemWriter) -> Iterator[WorkerPool]:
    root = write_problem(
        {"solve.py": "def score():\n    return {'value': 1.0}\n", "evaluate.py": EVALUATE},
        name="evaluate",
    )
    spec = JudgeSpec(root, "solve.py", "evaluate")
    with WorkerPool(spec, Limits(wall_time_s=10), SandboxSettings(workers=1)) as pool:
        yield pool


def candidate(returns: str, prelude: str = "") -> str:
    return f"{prelude}\ndef score():\n    return {returns}\n"


def test_metrics_come_back_as_floats(pool: WorkerPool) -> None:
    evaluation = pool.evaluate(candidate("{'int': 3, 'flag': True, 'off': False, 'ratio': 0.25}"))
    assert evaluation.status is Status.OK
    assert evaluation.metrics == {"int": 3.0, "flag": 1.0, "off": 0.0, "ratio": 0.25}
    assert all(type(v) is float for v in evaluation.metrics.values())
    assert evaluation.tests == ()
    assert evaluation.to_dict()["metrics"] == evaluation.metrics


def test_non_finite_metrics_survive_the_trip(pool: WorkerPool) -> None:
    evaluation = pool.evaluate(candidate("{'up': float('inf'), 'down': -float('inf')}"))
    assert evaluation.metrics == {"up": math.inf, "down": -math.inf}
    nan = pool.evaluate(candidate("{'x': float('nan')}")).metrics["x"]
    assert math.isnan(nan)


def test_an_object_with_a_metrics_dict_is_accepted(pool: WorkerPool) -> None:
    prelude = (
        "class EvaluationResult:\n"
        "    def __init__(self, metrics):\n"
        "        self.metrics = metrics\n"
        "        self.artifacts = {'log': 'kept out of the metrics'}\n"
    )
    evaluation = pool.evaluate(candidate("EvaluationResult({'score': 7})", prelude))
    assert evaluation.status is Status.OK
    assert evaluation.metrics == {"score": 7.0}


def test_returning_a_list_is_a_judge_error(pool: WorkerPool) -> None:
    with pytest.raises(JudgeError, match=r"dict\[str, float\]") as info:
        pool.evaluate(candidate("[1.0, 2.0]"))
    assert "list" in str(info.value)
    assert "evaluate.py" in str(info.value)


def test_a_non_numeric_value_is_a_judge_error(pool: WorkerPool) -> None:
    with pytest.raises(JudgeError, match="'name'"):
        pool.evaluate(candidate("{'score': 1.0, 'name': 'fast'}"))
    with pytest.raises(JudgeError):
        pool.evaluate(candidate("{'score': None}"))
    with pytest.raises(JudgeError):
        pool.evaluate(candidate("{1: 2.0}"))


def test_the_pool_serves_on_after_a_judge_error(pool: WorkerPool) -> None:
    with pytest.raises(JudgeError):
        pool.evaluate(candidate("'not a dict'"))
    assert pool.evaluate(candidate("{'score': 2}")).metrics == {"score": 2.0}


def test_evaluate_raising_is_a_failed_evaluation(pool: WorkerPool) -> None:
    evaluation = pool.evaluate(candidate("{'score': 1 / 0}"))
    assert evaluation.status is Status.FAILED
    assert "ZeroDivisionError" in evaluation.message
    assert evaluation.metrics == {}


def test_candidate_that_does_not_define_score_fails(pool: WorkerPool) -> None:
    evaluation = pool.evaluate("def something_else():\n    return 1\n")
    assert evaluation.status is Status.FAILED
    assert "score" in evaluation.message


def test_syntax_error_is_invalid(pool: WorkerPool) -> None:
    evaluation = pool.evaluate("def score(:\n    return {}\n")
    assert evaluation.status is Status.INVALID
    assert "SyntaxError" in evaluation.message


def test_output_of_candidate_and_judge_is_captured(pool: WorkerPool) -> None:
    evaluation = pool.evaluate(candidate("{'score': 1}", "print('hello from the candidate')"))
    assert "hello from the candidate" in evaluation.output


@pytest.mark.parametrize(
    ("evaluate_py", "named"),
    [
        ("def score(path):\n    return {}\n", "evaluate"),
        ("import no_such_module_here\n", "no_such_module_here"),
    ],
    ids=["no-evaluate-function", "fails-to-import"],
)
def test_a_broken_evaluate_py_is_a_judge_error_at_start(
    write_problem: ProblemWriter, evaluate_py: str, named: str
) -> None:
    root = write_problem(
        {"solve.py": "x = 1\n", "evaluate.py": evaluate_py}, name=f"broken_{named}"
    )
    spec = JudgeSpec(root, "solve.py", "evaluate")
    pool = WorkerPool(spec, Limits(), SandboxSettings(workers=1))
    with pytest.raises(JudgeError, match=named):
        pool.start()
    pool.close()
