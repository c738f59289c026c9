"""The public format's evaluator.py judge through the warm pool: cascade, results, artifacts."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from petri.config import Limits, SandboxSettings
from petri.errors import JudgeError
from petri.sandbox import JudgeSpec, Status, WorkerPool

ProblemWriter = Callable[..., Path]

# Each stage (and evaluate) hands the candidate's function of the same name petri's stand-in
# EvaluationResult, so a candidate decides what the stage returns. The stages note the order
# they ran in (ran_K_as: the how-manieth stage K was, in this evaluation's child).
EVALUATOR = """
    import importlib.util

    from openevolve.evaluation_result import EvaluationResult

    ORDER = []


    def _program(path):
        spec = importlib.util.spec_from_file_location("candidate", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module


    def _stage(number, path):
        ORDER.append(number)
        result = getattr(_program(path), f"stage{number}")(EvaluationResult)
        metrics = result.metrics if isinstance(result, EvaluationResult) else result
        if isinstance(metrics, dict):
            metrics[f"ran_{number}_as"] = len(ORDER)
        return result


    def evaluate(program_path):
        return _program(program_path).whole(EvaluationResult)


    def evaluate_stage1(program_path):
        return _stage(1, program_path)


    def evaluate_stage2(program_path):
        return _stage(2, program_path)


    def evaluate_stage3(program_path):
        return _stage(3, program_path)
"""
CONFIG = """
    max_iterations: 10
    evaluator:
      cascade_thresholds: [0.5, 0.8]
"""
PASSING = {"stage1": "{'combined_score': 0.9}", "stage2": "{'combined_score': 0.85}"}


def candidate(**returns: str) -> str:
    """A program whose stageN(R) / whole(R) return the given expressions (R: the result class)."""
    functions = {"stage1": "{}", "stage2": "{}", "stage3": "{}", "whole": "{}", **returns}
    return "".join(f"def {name}(R):\n    return {body}\n\n" for name, body in functions.items())


def start(root: Path, wall_time_s: float = 10) -> WorkerPool:
    spec = JudgeSpec(root, "initial_program.py", "openevolve")
    pool = WorkerPool(spec, Limits(wall_time_s=wall_time_s), SandboxSettings(workers=1))
    pool.start()
    return pool


@pytest.fixture(scope="module")
def pool(write_problem: ProblemWriter) -> Iterator[WorkerPool]:
    files = {"initial_program.py": candidate(), "evaluator.py": EVALUATOR, "config.yaml": CONFIG}
    pool = start(write_problem(files, name="cascade"))
    yield pool
    pool.close()


def test_the_stages_run_in_order_and_their_metrics_merge(pool: WorkerPool) -> None:
    evaluation = pool.evaluate(
        candidate(**PASSING, stage3="{'combined_score': 1.0, 'speed': 3}", whole="1 / 0")
    )
    assert evaluation.status is Status.OK
    assert evaluation.metrics == {
        "combined_score": 1.0,  # the last stage's value wins
        "ran_1_as": 1.0,
        "ran_2_as": 2.0,
        "ran_3_as": 3.0,
        "speed": 3.0,
    }
    assert evaluation.message == ""


def test_a_stage_below_its_threshold_ends_the_cascade(pool: WorkerPool) -> None:
    early = pool.evaluate(candidate(stage1="{'combined_score': 0.4}", stage2="1 / 0"))
    assert early.status is Status.OK  # an ordinary result, with what stage 1 measured
    assert early.metrics == {"combined_score": 0.4, "ran_1_as": 1.0}
    assert "after evaluate_stage1" in early.message
    assert "below 0.5" in early.message
    second = pool.evaluate(
        candidate(stage1="{'combined_score': 0.9}", stage2="{'combined_score': 0.7}")
    )
    assert second.metrics == {"combined_score": 0.7, "ran_1_as": 1.0, "ran_2_as": 2.0}
    assert "after evaluate_stage2" in second.message


def test_without_combined_score_the_mean_of_the_metrics_is_judged(pool: WorkerPool) -> None:
    # (0.2 + ran_1_as 1.0) / 2 = 0.6 passes 0.5; "error" is left out of the mean.
    passes = pool.evaluate(candidate(stage1="{'accuracy': 0.2, 'error': -100}"))
    assert passes.metrics["ran_2_as"] == 2.0
    stops = pool.evaluate(candidate(stage1="{'accuracy': -1.5}"))  # (-1.5 + 1.0) / 2 < 0.5
    assert "ran_2_as" not in stops.metrics


def test_a_stage_that_raises_fails_the_evaluation_and_keeps_what_came_before(
    pool: WorkerPool,
) -> None:
    evaluation = pool.evaluate(candidate(stage1="{'combined_score': 0.9}", stage2="[][3]"))
    assert evaluation.status is Status.FAILED
    assert "evaluate_stage2() raised IndexError" in evaluation.message
    assert evaluation.metrics == {"combined_score": 0.9, "ran_1_as": 1.0}
    assert evaluation.artifacts == {"failure_stage": "evaluate_stage2"}


def test_an_evaluation_result_carries_artifacts_as_text(pool: WorkerPool) -> None:
    result = "R({'combined_score': 0.9}, {'log': 'compiled', 'raw': b'\\xff\\x00ok', 'n': 3})"
    evaluation = pool.evaluate(candidate(stage1=result, stage2="R.from_dict({'x': 2})"))
    assert evaluation.status is Status.OK
    assert evaluation.artifacts == {"log": "compiled", "raw": "\ufffd\x00ok", "n": "3"}
    assert evaluation.to_dict()["artifacts"] == evaluation.artifacts


def test_a_value_that_is_no_number_is_kept_as_an_artifact(pool: WorkerPool) -> None:
    # The format's evaluators report a failure as {"combined_score": 0.0, "error": "..."}.
    evaluation = pool.evaluate(candidate(stage1="{'combined_score': 0.0, 'error': 'no output'}"))
    assert evaluation.status is Status.OK
    assert evaluation.metrics == {"combined_score": 0.0, "ran_1_as": 1.0}
    assert evaluation.artifacts == {"error": "no output"}


@pytest.mark.parametrize(
    ("returns", "named"),
    [("0.75", "returned float"), ("None", "returned NoneType"), ("{3: 1.0}", "named 3")],
)
def test_a_result_that_is_not_metrics_is_a_judge_error(
    pool: WorkerPool, returns: str, named: str
) -> None:
    with pytest.raises(JudgeError) as info:
        pool.evaluate(candidate(stage1=returns))
    message = str(info.value)
    assert named in message
    assert "evaluator.py" in message and "\n" not in message
    assert pool.evaluate(candidate(**PASSING)).status is Status.OK  # the pool serves on


def test_a_stage_that_loops_is_a_timeout(write_problem: ProblemWriter) -> None:
    files = {"initial_program.py": candidate(), "evaluator.py": EVALUATOR, "config.yaml": CONFIG}
    pool = start(write_problem(files, name="loops"), wall_time_s=1.0)
    try:
        looping = candidate(stage1="{'combined_score': 0.9}", stage2="[0 for _ in iter(int, 1)]")
        assert pool.evaluate(looping).status is Status.TIMEOUT
    finally:
        pool.close()


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ("evaluator:\n  cascade_evaluation: false\n", {"combined_score": 0.3, "whole": 1.0}),
        (
            "evaluator:\n  cascade_thresholds: [0.5]\n",
            {"combined_score": 0.85, "ran_1_as": 1.0, "ran_2_as": 2.0},
        ),
        ("evaluator:\n  cascade_thresholds: []\n", {"combined_score": 0.9, "ran_1_as": 1.0}),
    ],
    ids=["cascade-off", "one-threshold", "no-thresholds"],
)
def test_config_yaml_decides_what_runs(
    write_problem: ProblemWriter, config: str, expected: dict[str, float]
) -> None:
    files = {"initial_program.py": candidate(), "evaluator.py": EVALUATOR, "config.yaml": config}
    pool = start(write_problem(files, name="configured"))
    try:
        evaluation = pool.evaluate(
            candidate(**PASSING, stage3="{'z': 1}", whole="{'combined_score': 0.3, 'whole': 1}")
        )
    finally:
        pool.close()
    assert evaluation.metrics == expected
    if "ran_1_as" in expected:  # the next stage needs a threshold the last one reached
        assert "no threshold" in evaluation.message


def test_without_evaluate_stage1_evaluate_runs_alone(write_problem: ProblemWriter) -> None:
    evaluator = "def evaluate(path):\n    return {'combined_score': 0.5}\n\n"
    evaluator += "def evaluate_stage2(path):\n    return 1 / 0\n"
    pool = start(write_problem({"initial_program.py": "", "evaluator.py": evaluator}, name="one"))
    try:
        evaluation = pool.evaluate("x = 1\n")
    finally:
        pool.close()
    assert (evaluation.status, evaluation.metrics) == (Status.OK, {"combined_score": 0.5})


@pytest.mark.parametrize(
    ("files", "named"),
    [
        ({"evaluator.py": "def evaluate_stage1(path):\n    return {}\n"}, "evaluate"),
        ({"evaluator.py": "def evaluate(path:\n"}, "SyntaxError"),
        ({"evaluator.py": "raise RuntimeError('no data')\n"}, "no data"),
        ({"evaluator.py": EVALUATOR, "config.yaml": "evaluator: [1]\n"}, "config.yaml"),
        ({"evaluator.py": EVALUATOR, "config.yaml": "a: [\n"}, "not valid YAML"),
    ],
    ids=["no-evaluate", "syntax-error", "raises-on-import", "bad-config", "bad-yaml"],
)
def test_a_broken_judge_fails_at_start_in_one_line(
    write_problem: ProblemWriter, files: dict[str, str], named: str
) -> None:
    root = write_problem({"initial_program.py": "", **files}, name="broken")
    spec = JudgeSpec(root, "initial_program.py", "openevolve")
    pool = WorkerPool(spec, Limits(), SandboxSettings(workers=1))
    try:
        with pytest.raises(JudgeError, match=named) as info:
            pool.start()
    finally:
        pool.close()
    assert "\n" not in str(info.value)


def test_a_real_openevolve_package_is_used_rather_than_petris(
    write_problem: ProblemWriter,
) -> None:
    shipped = "class EvaluationResult:\n    SHIPPED = True\n"
    evaluator = (
        "from openevolve.evaluation_result import EvaluationResult\n\n"
        "def evaluate(path):\n"
        "    return {'shipped': float(getattr(EvaluationResult, 'SHIPPED', False))}\n"
    )
    files = {
        "initial_program.py": "",
        "evaluator.py": evaluator,
        "openevolve/__init__.py": "",
        "openevolve/evaluation_result.py": shipped,
    }
    pool = start(write_problem(files, name="shipped"))
    try:
        assert pool.evaluate("x = 1\n").metrics == {"shipped": 1.0}
    finally:
        pool.close()
