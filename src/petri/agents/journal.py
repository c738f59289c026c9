"""A swarm run's events, and its state as their projection (resume = replay).

The coordinator writes every decision as an event: tasks planned and released, verdicts,
promotions (in the same transaction as the shared-state write they explain), reviews, the
planner's follow-ups, consistency checks and reverts. Workers add ``task_leased``,
``task_done`` (with the result) and ``task_failed``/``task_dead`` for the queue ids of the
tasks they run. Replaying the events rebuilds exactly where the run stood.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from petri.agents.models import SATISFIED, TERMINAL, SwarmTask, TaskState
from petri.runtime.store import Event

SWARM_STARTED = "swarm_started"
TASK_PLANNED = "task_planned"
TASK_RELEASED = "task_released"
TASK_LEASED = "task_leased"  # written by the runtime worker
TASK_DONE = "task_done"  # written by the runtime worker, with the result
TASK_RETRY = "task_failed"  # written by the runtime worker: an attempt failed, it will retry
TASK_DEAD = "task_dead"  # written by the runtime worker: the attempts ran out
TASK_JUDGED = "task_judged"
TASK_PROMOTED = "task_promoted"
TASK_ACCEPTED = "task_accepted"
TASK_REBASED = "task_rebased"
STATE_CONFLICT = "state_conflict"  # a promotion lost a compare-and-set race (and how it recovered)
REVIEW_REQUESTED = "review_requested"
REVIEW_APPROVED = "review_approved"
REVIEW_REJECTED = "review_rejected"
TASK_REJECTED = "task_rejected"
TASK_FAILED = "task_gave_out"  # the swarm's record of a task whose retries ran out
TASK_REPLANNED = "task_replanned"
TASK_CANCELLED = "task_cancelled"
PLANNER_GAVE_UP = "planner_gave_up"
FOLLOWED_UP = "planner_followed_up"
CHECK_REQUESTED = "check_requested"
CHECKED = "checked"
INVESTIGATION_STARTED = "investigation_started"
PROMOTION_REVERTED = "promotion_reverted"
INVESTIGATION_DONE = "investigation_done"
WORKER_JOINED = "worker_joined"
USAGE = "model_usage"
SWARM_STOPPED = "swarm_stopped"
SWARM_FINISHED = "swarm_finished"


@dataclass
class Promotion:
    """One write of the shared state, in promotion order."""

    task: str
    version: int
    key: str
    value: Any
    state_version: int
    before: Any
    reverted: bool = False


@dataclass
class SwarmState:
    """Everything the coordinator, ``status`` and ``review`` need, rebuilt from events."""

    run_id: str
    config: dict[str, Any] = field(default_factory=dict)
    tasks: dict[str, SwarmTask] = field(default_factory=dict)
    results: dict[str, dict[str, Any]] = field(default_factory=dict)  # queue id -> result
    dead: dict[str, dict[str, Any]] = field(default_factory=dict)  # queue id -> error
    verdicts: dict[str, dict[str, Any]] = field(default_factory=dict)  # queue id -> verdict
    reviews: dict[str, dict[str, Any]] = field(default_factory=dict)  # review id -> request
    decisions: dict[str, dict[str, Any]] = field(default_factory=dict)  # review id -> decision
    followed: set[str] = field(default_factory=set)  # queue ids the planner heard about
    promotions: list[Promotion] = field(default_factory=list)
    checks: dict[str, dict[str, Any]] = field(default_factory=dict)  # check id -> request
    checked: dict[str, dict[str, Any]] = field(default_factory=dict)  # check id -> outcome
    investigation: dict[str, Any] | None = None
    verified: int = 0  # promotions[:verified] are known to keep every expectation
    workers: dict[str, list[str]] = field(default_factory=dict)
    usage: dict[str, float] = field(default_factory=lambda: {"tokens": 0.0, "cost_usd": 0.0})
    gave_up: list[dict[str, Any]] = field(default_factory=list)
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    stopped: dict[str, Any] | None = None
    finished: dict[str, Any] | None = None
    last_seq: int = 0
    started_at: float = 0.0
    last_at: float = 0.0

    @property
    def duration_s(self) -> float:
        """Seconds from the run's first event to its last (pauses for a person included)."""
        return max(0.0, self.last_at - self.started_at)

    @classmethod
    def replay(cls, run_id: str, events: Iterable[Event]) -> SwarmState:
        state = cls(run_id)
        for event in events:
            state.apply(event)
        return state

    def apply(self, event: Event) -> None:
        """Fold one event into the state; unknown types are ignored."""
        self.last_seq = max(self.last_seq, event.seq)
        self.started_at = self.started_at or event.time
        self.last_at = max(self.last_at, event.time)
        handler = _HANDLERS.get(event.type)
        if handler is not None:
            handler(self, event.payload)

    # -- queries -------------------------------------------------------------------------------

    def task_of(self, queue_id: str) -> SwarmTask | None:
        """The task a runtime queue id belongs to, if it is that task's current version."""
        tid, _, version = local_id(queue_id).rpartition("@")
        task = self.tasks.get(tid)
        return task if task is not None and str(task.version) == version else None

    def counts(self) -> dict[str, int]:
        """Tasks per state, every state present."""
        counts = {s.value: 0 for s in TaskState}
        for task in self.tasks.values():
            counts[task.status.value] += 1
        return counts

    def satisfied(self, task: SwarmTask) -> bool:
        """What the task depends on succeeded, and what it comes after has settled."""
        known = self.tasks
        return all(known[d].status in SATISFIED for d in task.depends_on if d in known) and all(
            known[d].status in TERMINAL for d in task.after if d in known
        )

    def blocked_forever(self, task: SwarmTask) -> str | None:
        """The dependency that can no longer be satisfied, if any."""
        for dep in task.depends_on:
            other = self.tasks.get(dep)
            if other is not None and other.status in TERMINAL and other.status not in SATISFIED:
                return dep
        return None

    def values(self, upto: int | None = None) -> dict[str, Any]:
        """The shared state after the first ``upto`` promotions (all by default), reverted
        promotions left out: key -> value."""
        out: dict[str, Any] = {}
        for promotion in self.promotions[: len(self.promotions) if upto is None else upto]:
            if not promotion.reverted:
                out[promotion.key] = promotion.value
        return out


def local_id(runtime_id: str) -> str:
    """``TASK@VERSION`` of a runtime task id ``RUN/TASK@VERSION`` (task ids hold no slash)."""
    return runtime_id.rpartition("/")[2]


def _started(s: SwarmState, p: Mapping[str, Any]) -> None:
    s.config = dict(p)


def _planned(s: SwarmState, p: Mapping[str, Any]) -> None:
    task = SwarmTask.model_validate(p["task"])
    task.order = task.order or len(s.tasks) + 1
    s.tasks.setdefault(task.id, task)


def _status(state: TaskState) -> Any:
    def apply(s: SwarmState, p: Mapping[str, Any]) -> None:
        task = s.tasks.get(str(p["task"]))
        if task is not None and int(p.get("version", task.version)) == task.version:
            task.status = state

    return apply


def _leased(s: SwarmState, p: Mapping[str, Any]) -> None:
    task = s.task_of(str(p["task"]))
    if task is not None and task.status is TaskState.QUEUED:
        task.status = TaskState.RUNNING
        task.attempts = int(p.get("attempt", task.attempts + 1))


def _done(s: SwarmState, p: Mapping[str, Any]) -> None:
    result = p.get("result")
    s.results.setdefault(local_id(str(p["task"])), result if isinstance(result, dict) else {})


def _dead(s: SwarmState, p: Mapping[str, Any]) -> None:
    s.dead.setdefault(local_id(str(p["task"])), dict(p))


def _judged(s: SwarmState, p: Mapping[str, Any]) -> None:
    s.verdicts[f"{p['task']}@{p['version']}"] = dict(p["verdict"])


def _promoted(s: SwarmState, p: Mapping[str, Any]) -> None:
    _status(TaskState.PROMOTED)(s, p)
    s.promotions.append(
        Promotion(
            task=str(p["task"]),
            version=int(p["version"]),
            key=str(p["key"]),
            value=p.get("value"),
            state_version=int(p["state_version"]),
            before=p.get("before"),
        )
    )


def _review(s: SwarmState, p: Mapping[str, Any]) -> None:
    _status(TaskState.REVIEW)(s, p)
    s.reviews.setdefault(str(p["review"]), dict(p))


def _decided(s: SwarmState, p: Mapping[str, Any]) -> None:
    s.decisions.setdefault(str(p["review"]), dict(p))


def _rejected(s: SwarmState, p: Mapping[str, Any]) -> None:
    _status(TaskState.REJECTED)(s, p)


def _replanned(s: SwarmState, p: Mapping[str, Any]) -> None:
    task = s.tasks.get(str(p["task"]))
    if task is None:
        return
    task.version = int(p["new_version"])
    task.strategy = int(p.get("strategy", task.strategy))
    task.payload = dict(p.get("payload", task.payload))
    task.title = str(p.get("title", task.title))
    task.attempts = 0
    task.status = TaskState.PLANNED


def _followed(s: SwarmState, p: Mapping[str, Any]) -> None:
    s.followed.add(str(p["trigger"]))


def _check_requested(s: SwarmState, p: Mapping[str, Any]) -> None:
    s.checks.setdefault(str(p["check"]), dict(p))


def _checked(s: SwarmState, p: Mapping[str, Any]) -> None:
    s.checked.setdefault(str(p["check"]), dict(p))
    if p.get("ok") and p.get("verifies") is not None:
        s.verified = max(s.verified, int(p["verifies"]))


def _investigating(s: SwarmState, p: Mapping[str, Any]) -> None:
    s.investigation = dict(p)


def _reverted(s: SwarmState, p: Mapping[str, Any]) -> None:
    index = int(p["promotion"])
    if 0 <= index < len(s.promotions):
        s.promotions[index].reverted = True
    task = s.tasks.get(str(p["task"]))
    if task is not None:
        task.status = TaskState.REVERTED
    s.promotions.append(
        Promotion(
            task=f"revert:{p['task']}",
            version=0,
            key=str(p["key"]),
            value=p.get("value"),
            state_version=int(p["state_version"]),
            before=p.get("before"),
            reverted=False,
        )
    )


def _investigated(s: SwarmState, p: Mapping[str, Any]) -> None:
    s.investigation = None
    s.verified = max(s.verified, int(p.get("verifies", s.verified)))


def _joined(s: SwarmState, p: Mapping[str, Any]) -> None:
    s.workers[str(p["worker"])] = [str(c) for c in p.get("capabilities", [])]


def _usage(s: SwarmState, p: Mapping[str, Any]) -> None:
    s.usage["tokens"] = float(p.get("total_tokens", s.usage["tokens"]))
    s.usage["cost_usd"] = float(p.get("total_cost_usd", s.usage["cost_usd"]))


def _conflict(s: SwarmState, p: Mapping[str, Any]) -> None:
    s.conflicts.append(dict(p))


def _gave_up(s: SwarmState, p: Mapping[str, Any]) -> None:
    s.gave_up.append(dict(p))


def _stopped(s: SwarmState, p: Mapping[str, Any]) -> None:
    s.stopped = dict(p)


def _finished(s: SwarmState, p: Mapping[str, Any]) -> None:
    s.finished = dict(p)


def _resumed(s: SwarmState, p: Mapping[str, Any]) -> None:
    s.stopped = None


_HANDLERS: dict[str, Any] = {
    SWARM_STARTED: _started,
    TASK_PLANNED: _planned,
    TASK_RELEASED: _status(TaskState.QUEUED),
    TASK_LEASED: _leased,
    TASK_DONE: _done,
    TASK_DEAD: _dead,
    TASK_JUDGED: _judged,
    TASK_PROMOTED: _promoted,
    TASK_ACCEPTED: _status(TaskState.DONE),
    TASK_FAILED: _status(TaskState.FAILED),
    TASK_CANCELLED: _status(TaskState.CANCELLED),
    REVIEW_REQUESTED: _review,
    REVIEW_APPROVED: _decided,
    REVIEW_REJECTED: _decided,
    TASK_REJECTED: _rejected,
    TASK_REPLANNED: _replanned,
    TASK_REBASED: _replanned,
    FOLLOWED_UP: _followed,
    PLANNER_GAVE_UP: _gave_up,
    STATE_CONFLICT: _conflict,
    CHECK_REQUESTED: _check_requested,
    CHECKED: _checked,
    INVESTIGATION_STARTED: _investigating,
    PROMOTION_REVERTED: _reverted,
    INVESTIGATION_DONE: _investigated,
    WORKER_JOINED: _joined,
    USAGE: _usage,
    SWARM_STOPPED: _stopped,
    "swarm_resumed": _resumed,
    SWARM_FINISHED: _finished,
}
