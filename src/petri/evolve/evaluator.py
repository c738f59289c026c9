"""The coordinator's side of evaluation: queue one task per program, wait for their results.

Task ids are ``{run}:{program}`` and double as idempotency keys, so a resumed run that queues a
generation again adds nothing that is already queued or done. Results are read from the store
where the handler put them (``results``); a task the queue dead-lettered (the sandbox kept
failing) becomes a ``crashed`` result rather than a hang.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from petri.evolve.results import Result, load_result
from petri.evolve.tasks import KIND, judge
from petri.runtime.queue import Queue, Task, TaskStatus
from petri.runtime.store import Store

if TYPE_CHECKING:
    from petri.sandbox.pool import WorkerPool

#: Seconds between looks at the queue for dead-lettered tasks while waiting.
DEAD_CHECK_S = 1.0


@dataclass(frozen=True)
class Job:
    """One program to evaluate."""

    program_id: str
    source: str
    coverage: bool = False
    test_timeout_s: float | None = None  # shorter per-test timeout for candidates
    probe: bool = False  # the original: timeouts start short (see petri.sandbox.probe)


class Evaluator(Protocol):
    """Evaluates batches of programs; ``None`` when the deadline passed first."""

    def evaluate(self, jobs: Sequence[Job], deadline: float | None) -> dict[str, Result] | None: ...


class QueueEvaluator:
    """Evaluates through the runtime queue; workers (local or remote) run the tasks."""

    def __init__(
        self,
        queue: Queue,
        store: Store,
        *,
        store_url: str,
        run_id: str,
        problem: str,
        poll_s: float = 0.01,
        tick: Callable[[], object] = lambda: None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.queue = queue
        self.store = store
        self.store_url = store_url
        self.run_id = run_id
        self.problem = problem
        self.poll_s = poll_s
        self.tick = tick
        self.clock = clock

    def task_id(self, program_id: str) -> str:
        return f"{self.run_id}:{program_id}"

    def evaluate(self, jobs: Sequence[Job], deadline: float | None) -> dict[str, Result] | None:
        results: dict[str, Result] = {}
        todo = []
        for job in jobs:  # results of an earlier start of this run need no task
            found = self._result(job.program_id)
            if found is None:
                todo.append(job)
            else:
                results[job.program_id] = found
        self.queue.enqueue_many([self._task(job) for job in todo])
        return self._wait([job.program_id for job in todo], results, deadline)

    def _task(self, job: Job) -> Task:
        tid = self.task_id(job.program_id)
        payload = {
            "run_id": self.run_id,
            "program_id": job.program_id,
            "source": job.source,
            "coverage": job.coverage,
            "test_timeout_s": job.test_timeout_s,
            "probe": job.probe,
            "problem": self.problem,
            "store": self.store_url,
        }
        return Task(KIND, payload, id=tid, key=tid, deadline=None)

    def _wait(
        self, pending: list[str], results: dict[str, Result], deadline: float | None
    ) -> dict[str, Result] | None:
        next_dead_check = self.clock() + DEAD_CHECK_S
        while pending:
            self.tick()
            pending = [pid for pid in pending if not self._collect(pid, results)]
            if not pending:
                break
            now = self.clock()
            if deadline is not None and now > deadline:
                return None
            if now >= next_dead_check:
                next_dead_check = now + DEAD_CHECK_S
                pending = [pid for pid in pending if not self._buried(pid, results)]
            time.sleep(self.poll_s)
        return results

    def _collect(self, program_id: str, results: dict[str, Result]) -> bool:
        found = self._result(program_id)
        if found is not None:
            results[program_id] = found
        return found is not None

    def _result(self, program_id: str) -> Result | None:
        return load_result(self.store, self.run_id, program_id)

    def _buried(self, program_id: str, results: dict[str, Result]) -> bool:
        task = self.queue.get(self.task_id(program_id))
        if task is None or task.status is not TaskStatus.DEAD:
            return False
        if self._collect(program_id, results):
            return True
        results[program_id] = Result.crashed(f"evaluation task dead-lettered: {task.error}")
        return True


class PoolEvaluator:
    """Evaluates in this process through a warm sandbox pool, as many at once as it has
    workers. A swarm's coder task runs its own search this way: it already holds a worker's
    lease, so queueing its evaluations behind it could wait on itself. ``select`` judges every
    program on that subset of the pool's tests only."""

    def __init__(self, pool: WorkerPool, select: Sequence[str] | None = None) -> None:
        self.pool = pool
        self.select = list(select) if select is not None else None
        self._threads = ThreadPoolExecutor(max(1, pool.settings.workers))

    def evaluate(self, jobs: Sequence[Job], deadline: float | None) -> dict[str, Result] | None:
        if deadline is not None and time.monotonic() > deadline:
            return None

        def one(job: Job) -> Result:
            return judge(self.pool, job.source, coverage=job.coverage,
                         test_timeout_s=job.test_timeout_s, select=self.select,
                         probe=job.probe)  # fmt: skip

        unique = {job.program_id: job for job in jobs}
        results = self._threads.map(one, unique.values())
        return dict(zip(unique, results, strict=True))

    def close(self) -> None:
        self._threads.shutdown(wait=True)
