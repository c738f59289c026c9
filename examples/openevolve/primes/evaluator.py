"""Scores initial_program.py's primes_between(): right answers first, then less work.

Work is the number of lines the program executes (counted with sys.settrace on its own file),
not wall time: a count is the same on every run and every machine, so two programs compare
the same way each time. A program with a wrong answer scores 0; a right one scores
1000 / (1000 + lines per call). The per-limit counts go back as an artifact.
"""

import importlib.util
import sys

from openevolve.evaluation_result import EvaluationResult

RANGES = [(0, 0), (0, 2), (0, 3), (0, 10), (10, 50), (0, 400), (300, 700)]


def _reference(low, high):
    return [n for n in range(max(2, low), high) if all(n % d for d in range(2, int(n**0.5) + 1))]


def _load(program_path):
    spec = importlib.util.spec_from_file_location("program", program_path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _counted(func, arguments, filename):
    """func(*arguments) and the lines it executed in filename."""
    count = 0

    def tracer(frame, event, arg):
        nonlocal count
        if frame.f_code.co_filename != filename:
            return None
        if event == "line":
            count += 1
        return tracer

    sys.settrace(tracer)
    try:
        result = func(*arguments)
    finally:
        sys.settrace(None)
    return result, count


def evaluate(program_path):
    program = _load(program_path)
    lines = {}
    for low, high in RANGES:
        result, count = _counted(program.primes_between, (low, high), program.__file__)
        if result != _reference(low, high):
            wrong = f"primes_between({low}, {high}) returned {result!r}"[:500]
            return EvaluationResult(
                metrics={"combined_score": 0.0, "correct": 0.0}, artifacts={"wrong_answer": wrong}
            )
        lines[f"{low}..{high}"] = count
    work = sum(lines.values()) / len(RANGES)
    return EvaluationResult(
        metrics={"combined_score": 1000.0 / (1000.0 + work), "correct": 1.0, "lines": work},
        artifacts={"lines_per_range": ", ".join(f"{k}: {v}" for k, v in lines.items())},
    )
