"""Objectives: parsing, defaults per judge and measurement of built-in values."""

from __future__ import annotations

import math

import pytest

from petri.errors import ConfigError
from petri.evolve.objectives import Objective, measure, parse_objectives, worst
from petri.sandbox.outcome import Evaluation, Status, TestOutcome, TestResult


def test_defaults_for_a_pytest_judge() -> None:
    assert parse_objectives([], "tests") == (
        Objective("tests_passed", "max"),
        Objective("patch_size", "min"),
    )


def test_tests_passed_is_always_the_gate_for_pytest() -> None:
    assert parse_objectives(["complexity"], "tests")[0] == Objective("tests_passed", "max")


def test_defaults_for_evaluate_come_from_the_baseline_metrics() -> None:
    got = parse_objectives([], "evaluate", {"accuracy": 1.0, "runtime_s": 0.1})
    assert got == (Objective("accuracy", "max"), Objective("runtime_s", "min"))


def test_the_public_format_optimizes_combined_score_else_every_metric_up() -> None:
    metrics = {"combined_score": 0.5, "runtime_s": 0.1}
    assert parse_objectives([], "openevolve", metrics) == (Objective("combined_score", "max"),)
    got = parse_objectives([], "openevolve", {"accuracy": 1.0, "runtime_s": 0.1})
    assert got == (Objective("accuracy", "max"), Objective("runtime_s", "max"))
    assert parse_objectives(["speed:max"], "openevolve", metrics) == (Objective("speed", "max"),)
    with pytest.raises(ConfigError, match="no metrics"):
        parse_objectives([], "openevolve", {})


def test_explicit_directions() -> None:
    assert parse_objectives(["score:min", "size:max"], "evaluate") == (
        Objective("score", "min"),
        Objective("size", "max"),
    )


@pytest.mark.parametrize("specs", [["a b"], ["x:up"], ["x", "x:min"]])
def test_bad_specs_name_the_fix(specs: list[str]) -> None:
    with pytest.raises(ConfigError, match="objective"):
        parse_objectives(specs, "evaluate")


def test_evaluate_without_metrics_is_an_error() -> None:
    with pytest.raises(ConfigError, match="no metrics"):
        parse_objectives([], "evaluate", {})


def test_measure_builtins_and_metrics() -> None:
    objectives = parse_objectives(
        ["tests_passed", "patch_size", "complexity", "lines", "runtime", "score"], "tests"
    )
    source = "def f(x):\n    if x:\n        return 1\n    return 2\n"
    tests = [TestResult(f"t{i}", TestOutcome.PASSED, 0.1) for i in range(3)]
    tests.append(TestResult("t3", TestOutcome.FAILED, 0.1))
    evaluation = Evaluation(Status.FAILED, tuple(tests), {"score": 2.0}, duration_s=0.5)
    values = measure(objectives, evaluation, source, 2)
    assert values == {
        "tests_passed": 3.0,
        "patch_size": 2.0,
        "complexity": 2.0,
        "lines": 4.0,
        "runtime": 0.5,
        "score": 2.0,
    }


def test_missing_values_are_the_worst() -> None:
    objectives = (Objective("score", "max"), Objective("complexity", "min"))
    values = measure(objectives, Evaluation(Status.OK, metrics={"score": math.nan}), "def (", 0)
    assert values == {"score": worst(objectives[0]), "complexity": worst(objectives[1])}
    assert objectives[0].better(0.0, values["score"])
    assert objectives[1].better(100.0, values["complexity"])
