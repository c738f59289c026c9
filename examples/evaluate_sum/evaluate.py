"""Judge in the evaluate(program_path) format of public evolution frameworks.

The program is imported from program_path and called in this process (inside petri's jail): no
subprocess, no network, nothing written outside /tmp.
"""

import importlib.util
import time
from types import ModuleType

CASES = [0, 1, 2, 10, 100, 1_000, 20_000]


def _load(program_path: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location("candidate", program_path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {program_path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def evaluate(program_path: str) -> dict[str, float]:
    sum_of_squares = _load(program_path).sum_of_squares
    start = time.perf_counter()
    correct = sum(sum_of_squares(n) == n * (n + 1) * (2 * n + 1) // 6 for n in CASES)
    runtime = time.perf_counter() - start
    accuracy = correct / len(CASES)
    return {
        "accuracy": accuracy,
        "runtime_s": runtime,
        "combined_score": accuracy / (1.0 + 1000.0 * runtime),
    }
