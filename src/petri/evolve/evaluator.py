"""The coordinator's side of evaluation: queue one task per program, wait for their results.

Task ids are ``{run}:{program}`` and double as idempotency keys, so a resumed run that queues a
generation again adds nothing that is already queued or done. Results are read from the store
where the handler put them (``results``) once the run's events say a worker settled their
task; a task the queue dead-lettered (the sandbox kept failing) becomes a ``crashed`` result
rather than a hang.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from petri.evolve.results import Result, load_result
from petri.evolve.tasks import KIND, judge
from petri.runtime.queue import Queue, Task, TaskStatus
from petri.runtime.store import Store

if TYPE_CHECKING:
    from petri.sandbox.pool import WorkerPool

#: Seconds between full looks (every awaited result, and the queue for dead-lettered tasks)
#: while waiting; in between, the run's events say which tasks workers settled.
DEAD_CHECK_S = 1.0
#: Events a worker records when it settled a task (``petri.runtime.worker``).
SETTLED_EVENTS = frozenset({"task_done", "task_dead"})


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


@runtime_checkable
class Submitter(Protocol):
    """An evaluator that can start jobs before they are awaited: the engine submits each child
    as soon as it is bred, so workers judge while the rest of the generation is bred."""

    def submit(self, jobs: Sequence[Job]) -> None: ...


class QueueEvaluator:
    """Evaluates through the runtime queue; workers (local or remote) run the tasks.

    ``ring(n)`` tells local workers that ``n`` tasks were queued, and ``wait(timeout)`` blocks
    until a worker says it settled one (a doorbell; see ``petri.runtime.doorbell``) or
    ``poll_s`` passed, the pace at which results of remote workers are looked for.
    """

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
        wait: Callable[[float], object] = time.sleep,
        ring: Callable[[int], object] = lambda _: None,
    ) -> None:
        self.queue = queue
        self.store = store
        self.store_url = store_url
        self.run_id = run_id
        self.problem = problem
        self.poll_s = poll_s
        self.tick = tick
        self.clock = clock
        self.wait = wait
        self.ring = ring
        self._queued: set[str] = set()
        self._cursor = 0  # the last event of the run read while waiting

    def task_id(self, program_id: str) -> str:
        return f"{self.run_id}:{program_id}"

    def submit(self, jobs: Sequence[Job]) -> None:
        """Queue the jobs not yet queued by this evaluator nor judged by an earlier start."""
        todo = [
            job
            for job in jobs
            if job.program_id not in self._queued and self._result(job.program_id) is None
        ]
        self._queued.update(job.program_id for job in jobs)
        if todo:
            self.queue.enqueue_many([self._task(job) for job in todo])
            self.ring(len(todo))

    def evaluate(self, jobs: Sequence[Job], deadline: float | None) -> dict[str, Result] | None:
        self.submit(jobs)
        results: dict[str, Result] = {}
        return self._wait([job.program_id for job in jobs], results, deadline)

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
        pending = [pid for pid in pending if not self._collect(pid, results)]
        next_full_look = self.clock() + DEAD_CHECK_S
        while pending:
            self.wait(self.poll_s)
            self.tick()
            now = self.clock()
            if now >= next_full_look:  # what no event told: a result without one, a dead letter
                next_full_look = now + DEAD_CHECK_S
                look = set(pending)
            else:
                look = self._settled()
            pending = [pid for pid in pending if pid not in look or not self._done(pid, results)]
            if pending and deadline is not None and now > deadline:
                return None
        self._queued.difference_update(results)
        return results

    def _settled(self) -> set[str]:
        """Programs whose tasks workers settled since the last look, read from the run's
        events (one read, however many results are awaited)."""
        events = self.store.read(self.run_id, after_seq=self._cursor)
        if events:
            self._cursor = events[-1].seq
        prefix = len(self.run_id) + 1
        return {str(e.payload.get("task", ""))[prefix:] for e in events if e.type in SETTLED_EVENTS}

    def _done(self, program_id: str, results: dict[str, Result]) -> bool:
        return self._collect(program_id, results) or self._buried(program_id, results)

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
