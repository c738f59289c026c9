"""Objectives: named measures of a candidate with a direction, never folded into one number.

Built-in measures come from the evaluation and the candidate itself (tests passed, patch size,
radon's cyclomatic complexity, source lines, run time); any other name is a metric returned by
the problem's ``evaluate()``. A candidate is *feasible* when its evaluation ended ``ok``; the
search compares feasible candidates on every objective and the others on the gate objective
(tests passed) first, as the issue of "tests first, then the rest" asks.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from petri.errors import ConfigError
from petri.sandbox.outcome import Evaluation

Direction = Literal["max", "min"]

#: Built-in objectives and their natural direction.
BUILTIN: dict[str, Direction] = {
    "tests_passed": "max",
    "patch_size": "min",
    "complexity": "min",
    "lines": "min",
    "runtime": "min",
}
#: Metric names of evaluate() that default to minimisation when no direction is given.
_LOWER_IS_BETTER = ("runtime", "time", "_s", "loss", "error", "cost", "size")


@dataclass(frozen=True)
class Objective:
    """One named measure and whether more (``max``) or less (``min``) is better."""

    name: str
    direction: Direction

    def better(self, a: float, b: float) -> bool:
        """True when ``a`` is strictly better than ``b``."""
        return a > b if self.direction == "max" else a < b

    def to_json(self) -> dict[str, str]:
        return {"name": self.name, "direction": self.direction}


def parse_objectives(
    specs: Sequence[str], judge: str, metrics: Mapping[str, float] | None = None
) -> tuple[Objective, ...]:
    """Objectives from ``NAME`` or ``NAME:max|min`` strings; defaults depend on the judge.

    Defaults: ``tests_passed`` and ``patch_size`` for a pytest judge; for ``evaluate.py``, every
    metric of the baseline evaluation (``metrics``) with a direction guessed from its name; for
    the public format's evaluator.py, ``combined_score`` (else every metric), maximized.
    """
    if not specs:
        if judge == "tests":
            specs = ["tests_passed", "patch_size"]
        elif judge == "openevolve":
            names = ["combined_score"] if "combined_score" in (metrics or {}) else metrics or {}
            specs = [f"{name}:max" for name in sorted(names)]
        else:
            specs = [_default_direction(name) for name in sorted(metrics or {})]
    objectives = tuple(_parse_one(spec) for spec in specs)
    names = [o.name for o in objectives]
    if len(set(names)) != len(names):
        raise ConfigError(f"objectives {names} name one objective twice; list each once")
    if judge == "tests" and "tests_passed" not in names:
        objectives = (Objective("tests_passed", "max"), *objectives)
    if not objectives:
        raise ConfigError("evaluate() returned no metrics; return at least one, e.g. score")
    return objectives


def _default_direction(name: str) -> str:
    return f"{name}:min" if name.lower().endswith(_LOWER_IS_BETTER) else f"{name}:max"


def _parse_one(spec: str) -> Objective:
    name, _, direction = spec.partition(":")
    name = name.strip()
    if not name.isidentifier():
        raise ConfigError(f"objective {spec!r} is not NAME or NAME:max|min; fix evolve.objectives")
    direction = direction.strip() or BUILTIN.get(name, "max")
    if direction not in ("max", "min"):
        raise ConfigError(f"objective {spec!r}: direction must be max or min")
    return Objective(name, "max" if direction == "max" else "min")


def measure(
    objectives: Sequence[Objective],
    evaluation: Evaluation,
    source: str | None,
    patch_size: int,
) -> dict[str, float]:
    """The value of every objective for one evaluated candidate (worst value when missing)."""
    values: dict[str, float] = {}
    for objective in objectives:
        value = _builtin(objective.name, evaluation, source, patch_size)
        if value is None:
            value = evaluation.metrics.get(objective.name)
        if value is None or math.isnan(value):
            value = worst(objective)
        values[objective.name] = value
    return values


def oriented(values: Mapping[str, float], objectives: Sequence[Objective]) -> tuple[float, ...]:
    """``values`` in the order of ``objectives``, each turned so that smaller is better."""
    return tuple(-values[o.name] if o.direction == "max" else values[o.name] for o in objectives)


def dominates(
    a: Mapping[str, float], b: Mapping[str, float], objectives: Sequence[Objective]
) -> bool:
    """``a`` is no worse than ``b`` on every objective but patch size, and better on one (an
    improvement of the program, whatever the size of its patch)."""
    kept = [o for o in objectives if o.name != "patch_size"]
    if any(o.better(b[o.name], a[o.name]) for o in kept):
        return False
    return any(o.better(a[o.name], b[o.name]) for o in kept)


def worst(objective: Objective) -> float:
    """A finite stand-in for "no value": below any real maximum, above any real minimum."""
    return -1e12 if objective.direction == "max" else 1e12


def _builtin(
    name: str, evaluation: Evaluation, source: str | None, patch_size: int
) -> float | None:
    if name == "tests_passed":
        return float(evaluation.passed)
    if name == "patch_size":
        return float(patch_size)
    if name == "runtime":
        return evaluation.duration_s
    if source is None:
        return None
    if name == "complexity":
        return _complexity(source)
    if name == "lines":
        return float(sum(1 for line in source.splitlines() if line.strip()))
    return None


def _complexity(source: str) -> float | None:
    from radon.complexity import cc_visit

    try:
        return float(sum(block.complexity for block in cc_visit(source)))
    except SyntaxError:
        return None
