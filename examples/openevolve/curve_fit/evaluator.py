"""Scores the curve model of initial_program.py: how close it comes to measured points.

The measurements follow y = x^2 + 2x - 1 on a grid of 21 points. The score is
1 / (1 + mean squared error), so a perfect model scores 1.0; it is returned as
``combined_score``, the metric evolution raises, beside the error itself.
"""

import importlib.util

POINTS = [x / 2 for x in range(-10, 11)]
MEASURED = [x * x + 2 * x - 1 for x in POINTS]


def _load(program_path):
    spec = importlib.util.spec_from_file_location("program", program_path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def evaluate(program_path):
    predicted = _load(program_path).sample(POINTS)
    if len(predicted) != len(POINTS):
        return {"combined_score": 0.0, "error": "sample() returned the wrong number of values"}
    mse = sum((p - m) ** 2 for p, m in zip(predicted, MEASURED)) / len(POINTS)
    return {"combined_score": 1.0 / (1.0 + mse), "mse": mse}
