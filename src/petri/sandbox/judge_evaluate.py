"""The ``evaluate(program_path) -> dict[str, float]`` judge, as the jailed worker runs it.

This is the format public evolution frameworks use, so their problems run unchanged. The judge
module is imported once in the worker; each candidate is written to the private /tmp and
``evaluate`` is called on its path in a forked child.
"""

from __future__ import annotations

import importlib.util
import math
import os
import time
import types

from petri.sandbox.proctree import settle_memory

TYPE_CHECKING = False  # typing stays out of the jailed worker (see sandbox.harness)
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

JUDGE_FILE = "evaluate.py"


class JudgeLoadError(Exception):
    """evaluate.py cannot be used (import failed, no evaluate function)."""


class EvaluateJudge:
    """Imports evaluate.py once; calls ``evaluate(path)`` per candidate in a child."""

    judge_file = JUDGE_FILE

    def __init__(self, root: str, program: str, module: str) -> None:
        self.root = root
        self.program = program
        self.module = module
        self.evaluate: Callable[[str], object] | None = None
        self.unit_timeout_key = "wall_time_s"
        self.load_runs_program = False  # evaluate() reads the file itself
        self.program_file = ""  # candidates run from a private copy in /tmp
        self.candidate_path = ""
        self.failure_details = True  # an evaluate() failure is one message either way

    @property
    def units(self) -> list[str]:
        return ["evaluate"]

    def serve(self, loop: Callable[[], None]) -> int:
        self.evaluate = self.entry(self.import_judge(), "evaluate")
        settle_memory()
        loop()
        return 0

    def import_judge(self) -> types.ModuleType:
        """The judge file, imported once in the worker (its failure is the judge's fault)."""
        path = os.path.join(self.root, self.judge_file)
        spec = importlib.util.spec_from_file_location("_petri_judge", path)
        if spec is None or spec.loader is None:
            raise JudgeLoadError(f"{self.judge_file} cannot be imported")
        module = importlib.util.module_from_spec(spec)
        try:
            spec.loader.exec_module(module)
        except BaseException as exc:
            message = f"{self.judge_file} failed to import: {type(exc).__name__}: {exc}"
            raise JudgeLoadError(message) from exc
        return module

    def entry(self, module: types.ModuleType, name: str) -> Callable[[str], object]:
        """The function ``name`` of the judge module; JudgeLoadError when it has none."""
        func = getattr(module, name, None)
        if not callable(func):
            raise JudgeLoadError(f"{self.judge_file} must define a function {name}(program_path)")
        return func  # type: ignore[no-any-return]

    def load(self, code: types.CodeType, path: str) -> None:
        """The candidate is judged by evaluate(); here it only needs to exist as a file."""
        self.candidate_path = path

    def run(self, index: int, next_index: int | None) -> dict[str, Any]:
        assert self.evaluate is not None
        start = time.perf_counter()
        try:
            raw = self.evaluate(self.candidate_path)
        except Exception as exc:
            return {
                "outcome": "failed",
                "duration_s": time.perf_counter() - start,
                "message": f"{type(exc).__name__}: {exc}"[:2000],
                "exc": type(exc).__name__,
            }
        result: dict[str, Any] = {"outcome": "passed", "duration_s": time.perf_counter() - start}
        metrics, problem = metrics_of(raw)
        if problem:
            result["judge_error"] = problem
        else:
            result["metrics"] = metrics
        return result


def metrics_of(raw: object) -> tuple[dict[str, str], str]:
    """Metrics as name -> repr(float) (JSON has no inf/nan), or an error naming the fix."""
    carried = getattr(raw, "metrics", None)
    if not isinstance(raw, dict) and isinstance(carried, dict):
        raw = carried  # frameworks' EvaluationResult objects carry a metrics dict
    if not isinstance(raw, dict):
        kind = type(raw).__name__
        return {}, f"evaluate() returned {kind}; it must return dict[str, float]"
    metrics: dict[str, str] = {}
    for key, value in raw.items():
        if not isinstance(key, str):
            return {}, f"evaluate() returned a key {key!r}; metric names must be str"
        if isinstance(value, bool | int | float) and not isinstance(value, complex):
            number = float(value)
            metrics[key] = repr(number) if math.isfinite(number) else str(number)
        else:
            kind = type(value).__name__
            return {}, f"evaluate() returned {key!r}: {kind}; metric values must be numbers"
    return metrics, ""
