"""The swarm's nouns as validated data: a goal, its tasks, and the judge's verdict on a result.

A ``SwarmTask`` is the planner's unit of work. It lives in the run's events (planned, released,
judged, promoted...) and, while it runs, as a task on the runtime queue whose kind names the
capability it needs (``swarm:evolve``), so only a worker that has that capability leases it.
"""

from __future__ import annotations

import enum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


class TaskState(enum.StrEnum):
    """Where a swarm task is: ``planned -> queued -> running -> (review) -> promoted | done``,
    or ``rejected``, ``failed``, ``reverted`` (a promotion undone by an investigation) and
    ``cancelled`` (its plan changed, or a dependency could not be done)."""

    PLANNED = "planned"  # waiting for its dependencies to be promoted
    QUEUED = "queued"  # on the runtime queue, waiting for a worker with its capability
    RUNNING = "running"  # leased by a worker
    REVIEW = "review"  # the judge was unsure: waiting for a person
    PROMOTED = "promoted"  # approved, and its change written to the shared state
    DONE = "done"  # approved; it had nothing to write
    REJECTED = "rejected"  # the judge or a person said no; the planner was told
    FAILED = "failed"  # its retries ran out; the planner was told
    REVERTED = "reverted"  # promoted, then found to break what was expected, and undone
    CANCELLED = "cancelled"  # will not run: the plan changed or a dependency failed


#: States a task never leaves by itself.
TERMINAL = frozenset(
    {
        TaskState.PROMOTED,
        TaskState.DONE,
        TaskState.REJECTED,
        TaskState.FAILED,
        TaskState.REVERTED,
        TaskState.CANCELLED,
    }
)
#: States in which a task still has work ahead of it (a review waits for a person instead).
ACTIVE = frozenset({TaskState.PLANNED, TaskState.QUEUED, TaskState.RUNNING})
#: States that satisfy a dependency on the task.
SATISFIED = frozenset({TaskState.PROMOTED, TaskState.DONE})


class TaskSpec(BaseModel):
    """A task as a goal file or a planner states it, before the swarm owns it."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(..., min_length=1, max_length=120, pattern=r"^[A-Za-z0-9_.:-]+$")
    kind: str = Field(..., min_length=1, max_length=120)
    capability: str = Field("default", min_length=1, max_length=60, pattern=r"^[A-Za-z0-9_.-]+$")
    payload: dict[str, Any] = Field(default_factory=dict)
    depends_on: list[str] = Field(
        default_factory=list, description="Tasks that must succeed first (else it is cancelled)."
    )
    after: list[str] = Field(
        default_factory=list,
        description="Tasks that must be settled first, whatever their outcome: an order only.",
    )
    priority: int = 0
    deadline_s: float | None = Field(
        None, gt=0, description="Seconds after release by which a worker must have started it."
    )
    title: str = ""


class SwarmTask(TaskSpec):
    """A task the swarm owns: its spec plus where it stands."""

    version: int = 1  # bumped when the task is re-released (rebase on a newer state, replan)
    attempts: int = 0  # runtime attempts of its current version
    strategy: int = 0  # how many times the planner replanned it
    status: TaskState = TaskState.PLANNED
    order: int = 0  # position in the plan: results are settled in this order, for determinism

    @property
    def queue_id(self) -> str:
        """The id of this version of the task on the runtime queue."""
        return f"{self.id}@{self.version}"

    @property
    def runtime_kind(self) -> str:
        """The runtime queue kind: only workers with this capability lease it."""
        return runtime_kind(self.capability)


def runtime_kind(capability: str) -> str:
    """The queue kind of swarm tasks that need ``capability``."""
    return f"swarm:{capability}"


class Goal(BaseModel):
    """What a swarm run is for, as read from GOAL.toml (unknown keys are refused)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(..., min_length=1, max_length=200)
    description: str = ""
    kind: Literal["general", "repair", "improve"] = "general"
    repository: str | None = None
    agents: list[str] = Field(default_factory=list)
    planner: str | None = None
    tasks: list[TaskSpec] = Field(default_factory=list)
    state: dict[str, Any] = Field(default_factory=dict)
    swarm: dict[str, Any] = Field(default_factory=dict)

    @field_validator("tasks")
    @classmethod
    def _unique_ids(cls, tasks: list[TaskSpec]) -> list[TaskSpec]:
        seen: set[str] = set()
        for task in tasks:
            if task.id in seen:
                raise ValueError(f"task id {task.id!r} is used twice")
            unknown = [d for d in [*task.depends_on, *task.after] if d not in seen]
            if unknown:
                raise ValueError(
                    f"task {task.id!r} depends on {unknown[0]!r}, which is not listed before it"
                )
            seen.add(task.id)
        return tasks


class CheckResult(BaseModel):
    """One rubric item as judged: a score in [0, 1], its weight and the evidence behind it."""

    name: str
    weight: float
    score: float = Field(..., ge=0.0, le=1.0)
    evidence: dict[str, Any] = Field(default_factory=dict)


Route = Literal["approve", "review", "reject"]


class Verdict(BaseModel):
    """The judge's word on one result: the weighted score, every check, and where it goes."""

    task: str
    version: int
    score: float
    route: Route
    checks: list[CheckResult]


class Change(BaseModel):
    """A write a result asks for: ``key`` from ``base_version`` to ``value`` (compare-and-set)."""

    key: str
    base_version: int
    value: Any
