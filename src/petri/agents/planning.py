"""The planner and world-model interfaces the coordinator drives, and the goal-file planner.

A planner turns a goal into tasks, hears about every settled task, and decides what happens to
a rejected or failed one: another strategy (a new version of the task with a new payload) or
giving up with a reason. It must be deterministic: its decisions are recorded as events, and a
resumed run asks it again only about what it had not yet answered.

A world model states what should hold after each promotion and builds the task that checks
reality (the repository swarm: the tests the judge expected to pass do pass, and nothing that
passed before fails). The coordinator compares, and on a violation bisects the promotions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from petri.agents.journal import Promotion, SwarmState
from petri.agents.models import Goal, SwarmTask, TaskSpec


@dataclass(frozen=True)
class Replan:
    """Run the task again as its next version with this payload (another strategy); a new
    title when the strategy changes what the task is about (e.g. another file)."""

    payload: dict[str, Any]
    reason: str
    title: str | None = None


@dataclass(frozen=True)
class GiveUp:
    """Stop trying the task; the reason is recorded and shown."""

    reason: str


Decision = Replan | GiveUp


class Planner(Protocol):
    """Plans the work of one run (see the module docstring for the contract)."""

    def plan(self, state: SwarmState) -> list[TaskSpec]:
        """The first tasks of the run."""
        ...

    def followup(
        self, task: SwarmTask, result: Mapping[str, Any], state: SwarmState
    ) -> list[TaskSpec]:
        """More tasks once ``task`` is promoted or accepted (e.g. repairs after an analysis)."""
        ...

    def decide(
        self, task: SwarmTask, reason: str, evidence: Mapping[str, Any], state: SwarmState
    ) -> Decision:
        """What to do with a rejected, reverted or failed task."""
        ...

    def idle(self, state: SwarmState) -> list[TaskSpec]:
        """Nothing is left to run: more tasks (another round), or none to finish."""
        ...

    def outcome(self, state: SwarmState) -> str:
        """The run's final status word, once it finished."""
        ...


class WorldModel(Protocol):
    """What should hold after promotions, and the task that checks what does."""

    #: Task kinds the world model's checks use (the coordinator interprets their results).
    check_kinds: frozenset[str]

    def expected(self, state: SwarmState, upto: int) -> list[str]:
        """What must hold once the first ``upto`` promotions are in."""
        ...

    def check_task(
        self, check_id: str, values: Mapping[str, Any], expected: Sequence[str]
    ) -> TaskSpec:
        """A task that measures reality on the shared state ``values``."""
        ...

    def violations(self, result: Mapping[str, Any], expected: Sequence[str]) -> list[str]:
        """The expected items that do not hold in a check's result."""
        ...

    def revert(self, promotion: Promotion, current: Any) -> Any:
        """The value of ``promotion.key`` with that promotion undone (``current`` is now)."""
        ...


class GoalPlanner:
    """Plans the tasks a goal file lists; a rejected or failed task is tried again with
    ``payload["strategy"]`` raised, up to ``replans`` times, then given up."""

    def __init__(self, goal: Goal, replans: int) -> None:
        self.goal = goal
        self.replans = replans

    def plan(self, state: SwarmState) -> list[TaskSpec]:
        return list(self.goal.tasks)

    def followup(
        self, task: SwarmTask, result: Mapping[str, Any], state: SwarmState
    ) -> list[TaskSpec]:
        return []

    def decide(
        self, task: SwarmTask, reason: str, evidence: Mapping[str, Any], state: SwarmState
    ) -> Decision:
        if task.strategy >= self.replans:
            return GiveUp(f"{reason}; gave up after {task.strategy + 1} strategies")
        payload = {**task.payload, "strategy": task.strategy + 1}
        return Replan(payload, f"{reason}; trying strategy {task.strategy + 1}")

    def idle(self, state: SwarmState) -> list[TaskSpec]:
        return []

    def outcome(self, state: SwarmState) -> str:
        counts = state.counts()
        done = counts["promoted"] + counts["done"]
        if done == len(state.tasks):
            return "completed"
        return "partial" if done else "failed"
