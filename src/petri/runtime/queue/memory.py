"""``memory://``: the in-process double of the queue, for tests and immediate mode.

State lives in dicts behind one lock, so threads of one process share it; nothing survives the
process. Leasing scans every task (O(n)); that is fine for a test double and wrong for production.
"""

from __future__ import annotations

import copy
import threading
from typing import Any
from urllib.parse import SplitResult

from petri.errors import TaskNotFound
from petri.runtime.queue.base import Queue
from petri.runtime.queue.task import Task, TaskStatus, unrunnable

_OPEN = (TaskStatus.PENDING, TaskStatus.FAILED)


class MemoryQueue(Queue):
    """Queue held in this process's memory."""

    scheme = "memory"

    def __init__(self, url: SplitResult | None = None, **options: Any) -> None:
        super().__init__(**options)
        self._lock = threading.Lock()
        self._tasks: dict[str, Task] = {}
        self._seq: dict[str, int] = {}
        self._keys: dict[str, str] = {}
        self._dependents: dict[str, list[str]] = {}
        self._blocked: dict[str, int] = {}

    def _enqueue(self, tasks: list[Task], now: float) -> list[str]:
        with self._lock:
            batch: dict[str, Task] = {}
            ids: list[str] = []
            for task in tasks:
                known = self._keys.get(task.key) if task.key else None
                if known is None and task.key:
                    known = next((t.id for t in batch.values() if t.key == task.key), None)
                if known is None:
                    self._check_deps(task, batch)
                    batch[task.id] = task
                ids.append(known or task.id)
            for task in batch.values():
                self._insert(copy.deepcopy(task))
            return ids

    def _check_deps(self, task: Task, batch: dict[str, Task]) -> None:
        for dep in task.depends_on:
            if dep not in self._tasks and dep not in batch:
                raise TaskNotFound(f"task {task.id} depends on unknown task {dep}")

    def _insert(self, task: Task) -> None:
        self._tasks[task.id] = task
        self._seq[task.id] = len(self._seq)
        if task.key:
            self._keys[task.key] = task.id
        self._blocked[task.id] = 0
        for dep in task.depends_on:
            self._dependents.setdefault(dep, []).append(task.id)
            self._blocked[task.id] += self._tasks[dep].status != TaskStatus.DONE
        dead = [d for d in task.depends_on if self._tasks[d].status == TaskStatus.DEAD]
        if dead:
            self._kill(task, f"dependency {dead[0]} is dead", None)

    def _leasable(self, task: Task, now: float) -> bool:
        if task.status in _OPEN:
            return self._blocked[task.id] == 0 and task.not_before <= now
        return task.status == TaskStatus.LEASED and (task.lease_expires or 0.0) <= now

    def _lease(
        self, n: int, kinds: list[str] | None, now: float, until: float
    ) -> tuple[list[Task], list[Task]]:
        leased: list[Task] = []
        buried: list[Task] = []
        with self._lock:
            ready = [
                t
                for t in self._tasks.values()
                if (kinds is None or t.kind in kinds) and self._leasable(t, now)
            ]
            ready.sort(key=lambda t: (-t.priority, self._seq[t.id]))
            for task in ready:
                if len(leased) == n:
                    break
                reason = unrunnable(task, now)
                if reason:
                    self._kill(task, reason, None)
                    buried.append(copy.deepcopy(task))
                    continue
                task.status, task.owner = TaskStatus.LEASED, self.consumer
                task.attempts += 1
                task.lease_expires, task.leased_at = until, now
                leased.append(copy.deepcopy(task))
        return leased, buried

    def _holds(self, task: Task) -> Task | None:
        stored = self._tasks.get(task.id)
        if stored is None or stored.status != TaskStatus.LEASED:
            return None
        if stored.owner != task.owner or stored.attempts != task.attempts:
            return None
        return stored

    def _heartbeat(self, task: Task, until: float) -> bool:
        with self._lock:
            stored = self._holds(task)
            if stored is not None:
                stored.lease_expires = until
            return stored is not None

    def _ack(self, tasks: list[Task], now: float) -> list[bool]:
        flags: list[bool] = []
        with self._lock:
            for task in tasks:
                stored = self._holds(task)
                flags.append(stored is not None)
                if stored is None:
                    continue
                stored.status, stored.owner = TaskStatus.DONE, None
                stored.lease_expires = stored.leased_at = None
                for child in self._dependents.get(task.id, []):
                    self._blocked[child] -= 1
        return flags

    def _retry(self, task: Task, not_before: float, error: str, tb: str, now: float) -> bool:
        with self._lock:
            stored = self._holds(task)
            if stored is None:
                return False
            stored.status, stored.owner = TaskStatus.FAILED, None
            stored.lease_expires = stored.leased_at = None
            stored.not_before, stored.error, stored.traceback = not_before, error, tb
            return True

    def _bury(self, task: Task, error: str, tb: str, now: float) -> bool:
        with self._lock:
            stored = self._holds(task)
            if stored is not None:
                self._kill(stored, error, tb)
            return stored is not None

    def _kill(self, task: Task, error: str, tb: str | None) -> None:
        """Dead-letter ``task`` and every unfinished task downstream of it."""
        task.status, task.owner = TaskStatus.DEAD, None
        task.lease_expires = task.leased_at = None
        task.error, task.traceback = error, tb
        stack = [task.id]
        while stack:
            parent = stack.pop()
            for child_id in self._dependents.get(parent, []):
                child = self._tasks[child_id]
                if child.status not in (TaskStatus.DONE, TaskStatus.DEAD):
                    child.status, child.owner = TaskStatus.DEAD, None
                    child.lease_expires = child.leased_at = None
                    child.error, child.traceback = f"dependency {parent} is dead", None
                    stack.append(child_id)

    def _get(self, task_id: str) -> Task | None:
        with self._lock:
            task = self._tasks.get(task_id)
            return copy.deepcopy(task) if task else None

    def _dead(self, limit: int) -> list[Task]:
        with self._lock:
            dead = [t for t in self._tasks.values() if t.status == TaskStatus.DEAD]
            return [copy.deepcopy(t) for t in dead[:limit]]

    def _redrive(self, ids: list[str], now: float) -> int:
        with self._lock:
            revived = [self._tasks[i] for i in ids if i in self._tasks]
            revived = [t for t in revived if t.status == TaskStatus.DEAD]
            for task in revived:
                task.status, task.attempts, task.not_before = TaskStatus.PENDING, 0, now
            for task in revived:
                deps = [self._tasks[d] for d in task.depends_on]
                self._blocked[task.id] = sum(d.status != TaskStatus.DONE for d in deps)
                dead = [d.id for d in deps if d.status == TaskStatus.DEAD]
                if dead:
                    self._kill(task, f"dependency {dead[0]} is dead", None)
            return len(revived)

    def _stats(self) -> dict[str, int]:
        with self._lock:
            counts: dict[str, int] = {}
            for task in self._tasks.values():
                counts[task.status.value] = counts.get(task.status.value, 0) + 1
            return counts

    def _lease_starts(self, now: float, limit: int) -> list[float]:
        with self._lock:
            return [
                t.leased_at
                for t in self._tasks.values()
                if t.status == TaskStatus.LEASED
                and t.leased_at is not None
                and (t.lease_expires or 0.0) > now
            ]
