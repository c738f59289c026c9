"""The judge: a rubric of objective, named, weighted checks, and the route its score takes.

A check is a function of the task and its result that returns a score in [0, 1] and the
evidence it looked at; the rubric's score is the weighted mean. The score routes the result:
at or above ``approve_at`` it is promoted, at or above ``review_at`` a person decides, below it
is rejected and the planner is told. A model's opinion may be one check among others (see
``model_opinion``), never the whole score: a rubric refuses to be built from model checks alone.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from petri.agents.models import CheckResult, Route, SwarmTask, Verdict
from petri.errors import ConfigError

#: ``check(task, result) -> (score, evidence)``
CheckFn = Callable[[SwarmTask, Mapping[str, Any]], tuple[float, dict[str, Any]]]


@dataclass(frozen=True)
class Check:
    """One rubric item. ``objective`` is False for opinions (a model's), which may not decide
    alone."""

    name: str
    weight: float
    fn: CheckFn
    objective: bool = True


class Rubric:
    """Named, weighted checks; ``judge`` scores a result and routes it."""

    def __init__(self, checks: Sequence[Check]) -> None:
        if not checks:
            raise ConfigError("a rubric needs at least one check")
        if any(c.weight < 0 for c in checks) or sum(c.weight for c in checks) <= 0:
            raise ConfigError("rubric weights must be >= 0 and add up to more than 0")
        if sum(c.weight for c in checks if c.objective) <= 0:
            raise ConfigError(
                "a rubric needs an objective check with weight > 0: an opinion cannot decide alone"
            )
        names = [c.name for c in checks]
        if len(set(names)) != len(names):
            raise ConfigError(f"rubric check names must be unique: {names}")
        self.checks = tuple(checks)

    def score(self, task: SwarmTask, result: Mapping[str, Any]) -> list[CheckResult]:
        """Every check's score and evidence; a check that raises scores 0 and says why."""
        scored = []
        for check in self.checks:
            try:
                value, evidence = check.fn(task, result)
                value = min(1.0, max(0.0, float(value)))
            except Exception as exc:  # a broken check must not pass a result by accident
                value, evidence = 0.0, {"error": f"{type(exc).__name__}: {exc}"}
            scored.append(CheckResult(name=check.name, weight=check.weight, score=value,
                                      evidence=evidence))  # fmt: skip
        return scored

    def judge(
        self,
        task: SwarmTask,
        result: Mapping[str, Any],
        *,
        approve_at: float,
        review_at: float,
    ) -> Verdict:
        checks = self.score(task, result)
        total = sum(c.weight for c in checks)
        score = round(sum(c.weight * c.score for c in checks) / total, 6)
        return Verdict(
            task=task.id,
            version=task.version,
            score=score,
            route=route(score, approve_at, review_at),
            checks=checks,
        )


def route(score: float, approve_at: float, review_at: float) -> Route:
    """approve (>= approve_at), review (>= review_at) or reject."""
    if score >= approve_at:
        return "approve"
    if score >= review_at:
        return "review"
    return "reject"


def completed(task: SwarmTask, result: Mapping[str, Any]) -> tuple[float, dict[str, Any]]:
    """The default check: the worker reported success (``ok`` not False)."""
    ok = result.get("ok", True) is not False
    return (1.0 if ok else 0.0), {"ok": ok, "message": str(result.get("message", ""))[:500]}


#: The rubric of task kinds that name none.
DEFAULT_RUBRIC = Rubric([Check("completed", 1.0, completed)])


class RubricRegistry:
    """Rubrics by task kind; kinds without one get ``DEFAULT_RUBRIC``."""

    def __init__(self) -> None:
        self._by_kind: dict[str, Rubric] = {}

    def register(self, kind: str, rubric: Rubric) -> None:
        self._by_kind[kind] = rubric

    def for_kind(self, kind: str) -> Rubric:
        return self._by_kind.get(kind, DEFAULT_RUBRIC)

    def update(self, other: RubricRegistry) -> None:
        self._by_kind.update(other._by_kind)

    @property
    def kinds(self) -> list[str]:
        return sorted(self._by_kind)
