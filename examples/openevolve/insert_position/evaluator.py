"""Judges initial_program.py's insert_position() in three cascade stages.

1. a few hand-picked cases: a program that gets most of them wrong stops here;
2. 300 seeded random cases: only a program right on (nearly) all of them goes on;
3. the comparisons it makes on long lists, against the log2(n) + 1 a halving search needs.

Each stage returns its own `combined_score`, on a scale where a later stage always scores
higher than an earlier one; config.yaml's `cascade_thresholds` say how much a stage must reach
for the next one to run. `evaluate()` runs the three in a row, for runs without the cascade.
"""

import importlib.util
import math
import random

from openevolve.evaluation_result import EvaluationResult

FIXED = [
    ([], 5, 0),
    ([1], 0, 0),
    ([1], 1, 0),
    ([1, 3, 5, 7], 4, 2),
    ([1, 3, 5, 7], 7, 3),
    ([2, 2, 2, 3], 2, 0),
    ([1, 3, 5, 7], 9, 4),
    ([10, 20, 30], 31, 3),
]


def _load(program_path):
    spec = importlib.util.spec_from_file_location("program", program_path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _expected(items, value):
    return sum(1 for item in items if item < value)


def _accuracy(find, cases):
    right, wrong = 0, []
    for items, value, expected in cases:
        try:
            got = find(list(items), value)
        except Exception as exc:
            got = f"{type(exc).__name__}: {exc}"
        if got == expected:
            right += 1
        else:
            wrong.append(f"insert_position({items[:6]}..., {value}) = {got!r}, not {expected}")
    return right / len(cases), wrong


def _random_cases():
    rng = random.Random(1234)
    cases = []
    for _ in range(300):
        items = sorted(rng.randint(0, 50) for _ in range(rng.randint(0, 30)))
        value = rng.randint(-5, 55)
        cases.append((items, value, _expected(items, value)))
    return cases


def evaluate_stage1(program_path):
    accuracy, wrong = _accuracy(_load(program_path).insert_position, FIXED)
    return EvaluationResult(
        metrics={"fixed_accuracy": accuracy, "combined_score": 0.25 * accuracy},
        artifacts={"wrong": "\n".join(wrong)} if wrong else {},
    )


def evaluate_stage2(program_path):
    accuracy, wrong = _accuracy(_load(program_path).insert_position, _random_cases())
    return EvaluationResult(
        metrics={"random_accuracy": accuracy, "combined_score": 0.25 + 0.5 * accuracy},
        artifacts={"wrong": "\n".join(wrong[:5])} if wrong else {},
    )


def evaluate_stage3(program_path):
    find = _load(program_path).insert_position
    calls = 0

    def less(a, b):
        nonlocal calls
        calls += 1
        return a < b

    sizes = [1000, 5000, 20000]
    for size in sizes:
        find(list(range(size)), size // 3, less)
    needed = sum(math.log2(size) + 1 for size in sizes)
    efficiency = min(1.0, needed / max(calls, 1))
    return {"comparisons": calls, "efficiency": efficiency, "combined_score": 0.75 + 0.25 * efficiency}


def evaluate(program_path):
    metrics = {}
    for stage in (evaluate_stage1, evaluate_stage2, evaluate_stage3):
        result = stage(program_path)
        metrics.update(result.metrics if isinstance(result, EvaluationResult) else result)
    return metrics
