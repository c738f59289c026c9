"""A planner that reads a natural-language goal: a model turns the description into tasks.

Only with a model configured. The answer is validated like any structured output: it must be a
plan whose tasks name task kinds some registered agent handles, with dependencies on tasks
listed before them; an invalid answer is asked again with the error, then the run fails with
one line. The plan is recorded as events like any other, so a resumed run never asks again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from pydantic import BaseModel, Field, model_validator

from petri.agents.journal import SwarmState
from petri.agents.models import Goal, TaskSpec
from petri.agents.planning import GoalPlanner

#: Most tasks a model may plan for one goal.
MAX_TASKS = 50


class PlannedTask(BaseModel):
    id: str = Field(..., pattern=r"^[A-Za-z0-9_.:-]{1,60}$")
    kind: str
    title: str = ""
    payload: dict[str, Any] = Field(default_factory=dict)
    depends_on: list[str] = Field(default_factory=list)


class Plan(BaseModel):
    """A plan: tasks of known kinds, each depending only on tasks listed before it."""

    tasks: list[PlannedTask] = Field(..., min_length=1, max_length=MAX_TASKS)
    allowed: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="after")
    def _valid(self) -> Plan:
        seen: set[str] = set()
        for task in self.tasks:
            if task.kind not in self.allowed:
                known = ", ".join(sorted(self.allowed))
                raise ValueError(f"task {task.id!r}: unknown kind {task.kind!r} (use {known})")
            if task.id in seen or any(d not in seen for d in task.depends_on):
                raise ValueError(
                    f"task {task.id!r}: ids must be unique and depend only on earlier tasks"
                )
            seen.add(task.id)
        return self


def plan_schema(kinds: Sequence[str]) -> type[Plan]:
    """The plan model that accepts only ``kinds``."""
    return type("Plan", (Plan,), {"allowed": frozenset(kinds)})


class ModelPlanner(GoalPlanner):
    """Plans a goal that lists no tasks by asking the model (see the module docstring)."""

    def __init__(self, goal: Goal, replans: int, model: Any, kinds: dict[str, str]) -> None:
        super().__init__(goal, replans)
        self.model = model
        self.kinds = kinds  # task kind -> the capability its agent needs

    def plan(self, state: SwarmState) -> list[TaskSpec]:
        from petri.llm.base import Message

        schema = plan_schema(sorted(self.kinds))
        ask = [
            Message(role="system", content="You plan work for a team of agents. Break the goal "
                    "into tasks of the kinds listed; give each task the payload its agent needs."),
            Message(role="user", content=f"Goal: {self.goal.name}\n{self.goal.description}\n"
                    f"Task kinds: {', '.join(sorted(self.kinds))}"),
        ]  # fmt: skip
        plan = self.model.structured(ask, schema)
        return [
            TaskSpec(
                id=t.id,
                kind=t.kind,
                capability=self.kinds[t.kind],
                title=t.title,
                payload=dict(t.payload),
                depends_on=list(t.depends_on),
            )
            for t in plan.tasks
        ]
