"""The judge of a public-format folder (``evaluator.py``), as the jailed worker runs it.

Before ``evaluator.py`` is imported, ``openevolve.evaluation_result`` is made importable (petri's
compatible ``EvaluationResult``) unless the real package is installed. With cascade evaluation
on (the format's default, ``evaluator.cascade_evaluation`` in ``config.yaml``) and an
``evaluate_stage1`` defined, the stages run in order, each in the same child: one that raises
fails the evaluation, and one whose score (``combined_score``, else the mean of its metrics)
stays below its threshold ends it early, an ordinary result with the metrics gathered so far.
Otherwise ``evaluate(program_path)`` runs alone.

Either may return a dict or an ``EvaluationResult``. Numbers are metrics; any other value, and
every artifact, is kept as text beside them: the format's evaluators report errors that way
(``{"combined_score": 0.0, "error": "..."}``), so it is no judge error.
"""

from __future__ import annotations

import math
import numbers
import os
import time

from petri.integrations.openevolve import (
    CONFIG_FILE,
    DEFAULT_CASCADE,
    DEFAULT_THRESHOLDS,
    EVALUATOR_FILE,
    MAX_CONFIG_BYTES,
    STAGES,
    cascade_settings,
    install_alias,
    parse_yaml,
    stage_score,
)
from petri.sandbox.artifacts import as_text, bounded
from petri.sandbox.judge_evaluate import EvaluateJudge, JudgeLoadError
from petri.sandbox.proctree import settle_memory

TYPE_CHECKING = False  # typing stays out of the jailed worker (see sandbox.harness)
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any


class OpenEvolveJudge(EvaluateJudge):
    """Imports evaluator.py once; runs its cascade (or ``evaluate``) per candidate in a child."""

    judge_file = EVALUATOR_FILE

    def __init__(self, root: str, program: str, module: str) -> None:
        super().__init__(root, program, module)
        self.steps: list[tuple[str, Callable[[str], object]]] = []
        self.thresholds: tuple[float, ...] = ()

    def serve(self, loop: Callable[[], None]) -> int:
        install_alias()
        cascade, self.thresholds = self._cascade_config()
        module = self.import_judge()
        self.evaluate = self.entry(module, "evaluate")
        self.steps = [("evaluate", self.evaluate)]
        if cascade and callable(getattr(module, STAGES[0], None)):
            self.steps = []
            for name in STAGES:  # the stages in order, up to the first one not defined
                func = getattr(module, name, None)
                if not callable(func):
                    break
                self.steps.append((name, func))
        settle_memory()
        loop()
        return 0

    def _cascade_config(self) -> tuple[bool, tuple[float, ...]]:
        path = os.path.join(self.root, CONFIG_FILE)
        if not os.path.isfile(path):
            return DEFAULT_CASCADE, DEFAULT_THRESHOLDS
        try:
            with open(path, "rb") as file:
                return cascade_settings(parse_yaml(file.read(MAX_CONFIG_BYTES + 1)))
        except (OSError, ValueError) as exc:
            raise JudgeLoadError(f"{CONFIG_FILE}: {exc}") from exc

    def run(self, index: int, next_index: int | None) -> dict[str, Any]:
        start = time.perf_counter()
        gathered = _Gathered()
        note = ""
        for number, (name, func) in enumerate(self.steps):
            try:
                raw = func(self.candidate_path)
            except Exception as exc:
                return gathered.failed(name, exc, time.perf_counter() - start)
            problem = gathered.add(name, raw)
            if problem:
                return {"outcome": "passed", "duration_s": 0.0, "judge_error": problem}
            if number + 1 < len(self.steps):
                note = self._stop_after(number, name, gathered.metrics)
                if note:
                    break
        return gathered.passed(time.perf_counter() - start, note)

    def _stop_after(self, number: int, name: str, metrics: dict[str, float]) -> str:
        """Why the cascade ends after stage ``number``; empty when the next stage runs."""
        if number >= len(self.thresholds):
            return f"cascade ended after {name}: config.yaml gives no threshold to go on"
        threshold = self.thresholds[number]
        score = stage_score(metrics)
        if score is None:
            return f"cascade ended after {name}: it returned no metric to compare with {threshold}"
        if math.isnan(score) or score < threshold:
            return f"cascade ended after {name}: score {score:.6g} is below {threshold:.6g}"
        return ""


class _Gathered:
    """Metrics and artifacts of the stages run so far; a later stage's value wins."""

    def __init__(self) -> None:
        self.metrics: dict[str, float] = {}
        self.artifacts: dict[str, str] = {}

    def add(self, name: str, raw: object) -> str:
        """Fold in one stage's return value; an error naming the fix when it is unusable."""
        metrics, artifacts = raw, None
        if not isinstance(raw, dict):
            metrics, artifacts = getattr(raw, "metrics", None), getattr(raw, "artifacts", None)
        if not isinstance(metrics, dict):
            kind = type(raw).__name__
            return f"{name}() returned {kind}; return a dict of metrics or an EvaluationResult"
        for key, value in metrics.items():
            if not isinstance(key, str):
                return f"{name}() returned a metric named {key!r}; metric names must be str"
            number = _number(value)
            if number is None:
                self.artifacts[key] = as_text(value)
            else:
                self.metrics[key] = number
        if isinstance(artifacts, dict):
            for key, value in artifacts.items():
                self.artifacts[as_text(key)] = as_text(value)
        return ""

    def passed(self, duration: float, note: str) -> dict[str, Any]:
        result = {"outcome": "passed", "duration_s": duration, "metrics": self._wire()}
        return self._with_extras(result, note)

    def failed(self, name: str, exc: Exception, duration: float) -> dict[str, Any]:
        self.artifacts["failure_stage"] = name
        result = {
            "outcome": "failed",
            "duration_s": duration,
            "message": f"{name}() raised {type(exc).__name__}: {exc}"[:2000],
            "exc": type(exc).__name__,
            "metrics": self._wire(),
        }
        return self._with_extras(result, "")

    def _with_extras(self, result: dict[str, Any], note: str) -> dict[str, Any]:
        if note:
            result["message"] = note
        if self.artifacts:
            result["artifacts"] = bounded(self.artifacts)
        return result

    def _wire(self) -> dict[str, str]:
        """Metrics as name -> repr(float): JSON has no inf or nan."""
        return {k: repr(v) if math.isfinite(v) else str(v) for k, v in self.metrics.items()}


def _number(value: object) -> float | None:
    """``value`` as a metric (bools and numpy scalars too), or None when it is no number."""
    if not isinstance(value, numbers.Real):
        return None
    try:
        return float(value)
    except (OverflowError, TypeError, ValueError):
        return None
