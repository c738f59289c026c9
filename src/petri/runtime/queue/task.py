"""The task record, its statuses and the retry policy shared by every queue backend."""

from __future__ import annotations

import enum
import json
import random
from dataclasses import asdict, dataclass, field
from typing import Any


class TaskStatus(enum.StrEnum):
    """Where a task is in its life: ``pending -> leased -> done | failed -> ... -> dead``."""

    PENDING = "pending"  # waiting to be leased (maybe delayed or blocked on dependencies)
    LEASED = "leased"  # held by one consumer until ack, nack or lease expiry
    DONE = "done"  # acked; final
    FAILED = "failed"  # a run failed; waiting for its backoff to pass before the next attempt
    DEAD = "dead"  # dead-lettered: attempts, deadline or a dependency ran out; redrive to retry


#: Statuses a task never leaves on its own (``dead`` leaves only by ``redrive``).
TERMINAL = frozenset({TaskStatus.DONE, TaskStatus.DEAD})
#: Statuses of tasks that still count as work to do.
ACTIVE = frozenset({TaskStatus.PENDING, TaskStatus.LEASED, TaskStatus.FAILED})


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter: attempt *k* waits ``d * (1 - j + j * U(0, 1))`` where
    ``d = min(cap, base * 2**(k-1))`` and ``j`` is the jitter share.

    Jitter (rather than a fixed doubling) spreads the retries of tasks that failed together, so
    a flaky dependency is not hit by synchronized waves. ``j = 1`` is full jitter
    (``U(0, d)``, the default); ``j = 0.25`` waits between 75% and 100% of ``d``, for callers
    that promise a schedule such as "after 2 s, 4 s and 8 s". Defaults: 5 attempts, 1 s base,
    5 min cap; a task overrides any of them with its own ``max_attempts``/``backoff_base``/
    ``backoff_cap``/``backoff_jitter``.
    """

    max_attempts: int = 5
    base: float = 1.0
    cap: float = 300.0
    jitter: float = 1.0

    def delay(self, task: Task, rng: random.Random) -> float:
        """Seconds to wait before the task's next attempt, drawn from the injected ``rng``."""
        base = self.base if task.backoff_base is None else task.backoff_base
        cap = self.cap if task.backoff_cap is None else task.backoff_cap
        jitter = self.jitter if task.backoff_jitter is None else task.backoff_jitter
        jitter = min(max(jitter, 0.0), 1.0)
        exponent = min(max(task.attempts - 1, 0), 62)  # bounded: 2**62 already exceeds any cap
        return min(cap, base * 2.0**exponent) * (1.0 - jitter + jitter * rng.random())

    def attempts_for(self, task: Task) -> int:
        """How many attempts the task gets in total."""
        return self.max_attempts if task.max_attempts is None else task.max_attempts


@dataclass
class Task:
    """A unit of durable work. Producers fill the first block; the queue owns the rest.

    Times are seconds on the queue's clock (epoch seconds by default). ``deadline`` is absolute:
    a task not leased by then is dead-lettered instead of run. ``key`` is the idempotency key:
    enqueueing a second task with the same key returns the first task's id and adds nothing.
    """

    kind: str
    payload: dict[str, Any] = field(default_factory=dict)
    id: str = ""  # assigned at enqueue when empty
    priority: int = 0  # higher runs first
    depends_on: tuple[str, ...] = ()  # ids that must be done before this task can be leased
    max_attempts: int | None = None  # None: the queue's RetryPolicy decides
    backoff_base: float | None = None
    backoff_cap: float | None = None
    backoff_jitter: float | None = None  # share of the backoff drawn at random (1: full jitter)
    not_before: float = 0.0  # not leasable before this time (delayed task)
    deadline: float | None = None
    key: str | None = None
    # Owned by the queue.
    status: TaskStatus = TaskStatus.PENDING
    attempts: int = 0  # leases so far; a lease that expires counts as an attempt
    owner: str | None = None  # consumer holding the lease
    lease_expires: float | None = None
    leased_at: float | None = None  # when the current lease was granted; None when not leased
    error: str | None = None  # last error (or the reason it was dead-lettered)
    traceback: str | None = None
    enqueued_at: float = 0.0
    token: str | None = None  # backend handle of the current lease (stream entry, reply subject)

    def to_json(self) -> str:
        """Serialize every field (payload included) as one JSON object."""
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str | bytes) -> Task:
        """Inverse of :meth:`to_json`."""
        data = json.loads(text)
        data["status"] = TaskStatus(data["status"])
        data["depends_on"] = tuple(data["depends_on"])
        return cls(**data)


def unrunnable(task: Task, now: float) -> str | None:
    """Why a task found leasable must be dead-lettered instead of leased, or None."""
    if task.deadline is not None and task.deadline < now:
        return "deadline passed"
    if task.attempts >= (task.max_attempts or 0):
        return f"lease expired after {task.attempts} attempt(s)"
    return None
