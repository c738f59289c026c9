"""The queue interface: public steps do the bookkeeping once, backends implement small hooks.

Every public method validates, stamps the time from the injected clock, updates the counters in
``metrics`` and logs, then calls one backend hook (``_enqueue``, ``_lease``, ``_ack``...). Each hook
is one atomic transition on the backend (a SQL transaction, a Lua script, a CAS), so the contract
below holds with any number of consumers in any number of processes.

Contract shared by every backend (tested by ``tests/runtime/queue/test_contract.py``):

- At-least-once: a leased task stays stored until acked. A lease lasts ``lease_s`` seconds;
  ``heartbeat`` extends it; after it expires any consumer may lease the task again (reclaim), and
  the late ack or nack of the former holder is refused (returns ``False``/``None``).
- A lease counts as an attempt. ``nack`` schedules the next attempt after the retry policy's
  backoff, or dead-letters the task when its attempts are spent; a reclaimed task whose attempts
  are spent is dead-lettered too, so a task that kills its workers cannot loop forever.
- Leasing order: highest ``priority`` first, then enqueue order; only tasks whose ``not_before``
  has passed, whose dependencies are all ``done`` and whose kind the consumer handles.
- A task still unleased after its ``deadline`` is dead-lettered ("deadline passed"), not run.
- Dependencies must name tasks already enqueued (or earlier in the same batch), so the persisted
  graph is acyclic. When a task goes dead, every task depending on it (transitively) is
  dead-lettered with the reason "dependency <id> is dead": it could never run. ``redrive`` puts
  dead tasks back; redrive the dependency and its dependents together to revive a branch.
- A lease's age runs from the ``lease`` that granted it (``Task.leased_at``), heartbeats or not;
  ``lease_ages`` reports the leases still held (tested by ``test_lease_ages.py``).
"""

from __future__ import annotations

import logging
import random
import time
import uuid
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Sequence
from types import TracebackType

from petri.errors import BackendError
from petri.runtime.queue.task import RetryPolicy, Task, TaskStatus

log = logging.getLogger("petri.runtime.queue")

Clock = Callable[[], float]


class Queue(ABC):
    """A durable task queue. Construction does no I/O; the backend connects on first use."""

    #: URL scheme(s) this backend serves, for messages.
    scheme = ""

    def __init__(
        self,
        *,
        name: str = "default",
        lease_s: float = 30.0,
        retry: RetryPolicy | None = None,
        clock: Clock = time.time,
        rng: random.Random | None = None,
        consumer: str | None = None,
    ) -> None:
        self.name = name
        self.lease_s = lease_s
        self.retry = retry or RetryPolicy()
        self.clock = clock
        # Backoff jitter only; seeded by the run for reproducible schedules (DESIGN §7.12).
        self.rng = rng or random.Random(0)
        self.consumer = consumer or uuid.uuid4().hex[:12]
        self.metrics: Counter[str] = Counter()

    # -- producing ---------------------------------------------------------------------------

    def enqueue(self, task: Task) -> str:
        """Store one task; return its id (the existing task's id if its ``key`` is known)."""
        return self.enqueue_many([task])[0]

    def enqueue_many(self, tasks: Sequence[Task]) -> list[str]:
        """Store tasks in one round trip; return ids in order (deduplicated by ``key``).

        Raises ``TaskNotFound`` when a dependency names no stored task nor an earlier one in the
        batch; then nothing of the batch is stored.
        """
        now = self.clock()
        for task in tasks:
            if not task.kind:
                raise BackendError("a task needs a non-empty kind")
            task.id = task.id or uuid.uuid4().hex
            task.enqueued_at = now
            task.max_attempts = self.retry.attempts_for(task)
        ids = self._enqueue(list(tasks), now) if tasks else []
        self.metrics["enqueued"] += len(tasks)
        log.debug("enqueued %d task(s) on %s", len(tasks), self.name)
        return ids

    # -- consuming ---------------------------------------------------------------------------

    def lease(self, kinds: Collection[str] | None = None) -> Task | None:
        """Lease the next leasable task of one of ``kinds`` (any kind when None), or None."""
        got = self.lease_many(1, kinds)
        return got[0] if got else None

    def lease_many(self, n: int, kinds: Collection[str] | None = None) -> list[Task]:
        """Lease up to ``n`` tasks in one round trip, best first; may return fewer or none.

        Leased tasks come back with ``status=leased``, ``attempts`` incremented and ``owner`` set
        to this queue's ``consumer``. Tasks found past their deadline, and reclaimed tasks whose
        attempts are spent, are dead-lettered on the way and not returned.
        """
        now = self.clock()
        kinds_list = None if kinds is None else sorted(set(kinds))
        leased, buried = self._lease(n, kinds_list, now, now + self.lease_s)
        self.metrics["leased"] += len(leased)
        self.metrics["dead"] += len(buried)
        for task in buried:
            log.warning("task %s (%s) dead-lettered: %s", task.id, task.kind, task.error)
        return leased

    def heartbeat(self, task: Task) -> bool:
        """Extend the lease ``task`` holds by ``lease_s`` from now; False if the lease was lost."""
        until = self.clock() + self.lease_s
        ok = self._heartbeat(task, until)
        if ok:
            task.lease_expires = until
        return ok

    def ack(self, task: Task) -> bool:
        """Mark a leased task done; False (and nothing changes) if its lease was lost."""
        return self.ack_many([task])[0]

    def ack_many(self, tasks: Sequence[Task]) -> list[bool]:
        """Ack several leased tasks in one round trip; one flag per task, as for :meth:`ack`."""
        if not tasks:
            return []
        flags = self._ack(list(tasks), self.clock())
        for task, ok in zip(tasks, flags, strict=True):
            if ok:
                task.status = TaskStatus.DONE
        self.metrics["acked"] += sum(flags)
        self.metrics["stale_acks"] += len(flags) - sum(flags)
        return flags

    def nack(
        self, task: Task, error: str = "", traceback: str = "", *, retry: bool = True
    ) -> TaskStatus | None:
        """Record a failed run of a leased task; return its new status, None if the lease was lost.

        With attempts left and ``retry`` true the task becomes ``failed`` and is leasable again
        after a backoff drawn from the retry policy; otherwise it is dead-lettered (with its
        dependents) keeping ``error`` and ``traceback``.
        """
        now = self.clock()
        attempts_left = task.attempts < self.retry.attempts_for(task)
        if retry and attempts_left:
            not_before = now + self.retry.delay(task, self.rng)
            if not self._retry(task, not_before, error, traceback, now):
                return None
            self.metrics["retried"] += 1
            return TaskStatus.FAILED
        if not self._bury(task, error, traceback, now):
            return None
        self.metrics["dead"] += 1
        log.warning("task %s (%s) dead-lettered: %s", task.id, task.kind, error)
        return TaskStatus.DEAD

    # -- inspecting and repairing ------------------------------------------------------------

    def get(self, task_id: str) -> Task | None:
        """The stored task with this id, or None."""
        return self._get(task_id)

    def dead(self, limit: int = 100) -> list[Task]:
        """Dead-lettered tasks, oldest first, at most ``limit``."""
        return self._dead(limit)

    def redrive(self, ids: Iterable[str]) -> int:
        """Put dead tasks back to ``pending`` with fresh attempts; return how many were reset.

        Ids that are not dead are ignored. A redriven task whose dependency is still dead is
        dead-lettered again at once, so redrive a branch together.
        """
        moved = self._redrive(list(ids), self.clock())
        self.metrics["redriven"] += moved
        log.info("redrove %d task(s) on %s", moved, self.name)
        return moved

    def stats(self) -> dict[TaskStatus, int]:
        """How many tasks are in each status (every status present, zero included)."""
        counts = self._stats()
        return {status: counts.get(status.value, 0) for status in TaskStatus}

    def lease_ages(self, limit: int = 1000) -> list[float]:
        """Seconds each live lease has been held, oldest first; the oldest ``limit`` of them.

        A lease's age runs from the ``lease`` call that granted it (``Task.leased_at``) to now,
        both on the queue's ``clock``: a heartbeat extends a lease but does not make it younger,
        so a stuck task shows up as an ever older lease. Only leases still held count: tasks
        acked, nacked or dead-lettered, and leases already expired (reclaimed or not), do not.
        A lease stamped by a consumer whose clock runs ahead counts as age 0, never negative.
        """
        if limit <= 0:
            return []
        now = self.clock()
        ages = sorted((max(now - at, 0.0) for at in self._lease_starts(now, limit)), reverse=True)
        return ages[:limit]

    def close(self) -> None:
        """Release connections; the stored tasks stay."""
        self._close()

    def __enter__(self) -> Queue:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- backend hooks: each one atomic -------------------------------------------------------

    @abstractmethod
    def _enqueue(self, tasks: list[Task], now: float) -> list[str]:
        """Insert tasks (ids, defaults set), honouring keys and dependencies; return ids."""

    @abstractmethod
    def _lease(
        self, n: int, kinds: list[str] | None, now: float, until: float
    ) -> tuple[list[Task], list[Task]]:
        """Lease up to n tasks for ``self.consumer`` until ``until``; return (leased, buried)."""

    @abstractmethod
    def _heartbeat(self, task: Task, until: float) -> bool:
        """Move the lease expiry to ``until`` if ``task``'s lease (owner, attempt) still holds."""

    @abstractmethod
    def _ack(self, tasks: list[Task], now: float) -> list[bool]:
        """Mark done the tasks whose lease still holds and release their dependents."""

    @abstractmethod
    def _retry(self, task: Task, not_before: float, error: str, tb: str, now: float) -> bool:
        """Make a held task ``failed``, leasable again from ``not_before``."""

    @abstractmethod
    def _bury(self, task: Task, error: str, tb: str, now: float) -> bool:
        """Dead-letter a held task and, transitively, its not-yet-finished dependents."""

    @abstractmethod
    def _get(self, task_id: str) -> Task | None:
        """Load one task."""

    @abstractmethod
    def _dead(self, limit: int) -> list[Task]:
        """List dead tasks, oldest first."""

    @abstractmethod
    def _redrive(self, ids: list[str], now: float) -> int:
        """Reset dead tasks to pending (attempts 0), re-blocking on unfinished dependencies."""

    @abstractmethod
    def _stats(self) -> dict[str, int]:
        """Count tasks by status value."""

    @abstractmethod
    def _lease_starts(self, now: float, limit: int) -> list[float]:
        """``leased_at`` of the leases unexpired at ``now``: at least the earliest ``limit``."""

    def _close(self) -> None:
        """Release connections (default: nothing to release)."""
        return None
