"""The worker: leases tasks of the kinds it has handlers for and runs them, one at a time.

Timeouts, and why a thread: a handler runs on the worker's runner thread while the main thread
waits for it, heartbeating the lease every ``heartbeat_s``. A handler past its timeout is
nacked ("timed out") so the task retries elsewhere; a Python thread cannot be killed, so the
worker then stops leasing and its process exits with ``EXIT_WEDGED`` (``run_process`` uses
``os._exit``), and the supervisor starts a fresh one. A hung handler therefore costs one
process restart, never a wedged worker; the common case pays no process spawn per task.

Exactly-once accounting over at-least-once delivery: ``task_done`` (with the handler's result)
is recorded with a compare-and-set create of the state object ``task:{id}``, in the same
transaction as the event, *before* the ack. A task re-run after a crash between record and ack
finds the object already there and records nothing twice; a crash before the record re-runs
the task (its effects may repeat) and records it then.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import threading
import time
import traceback
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from queue import SimpleQueue
from types import FrameType
from typing import Any

from petri.errors import PetriError, StateConflict
from petri.runtime.queue import Queue, Task, TaskStatus
from petri.runtime.store import NewEvent, Store

log = logging.getLogger("petri.runtime.worker")

Handler = Callable[[Task], Any]
#: Exit status of a worker process whose handler outlived its timeout (the thread is stuck).
EXIT_WEDGED = 3


class PermanentError(PetriError):
    """Raised by a handler when retrying cannot help: the task is dead-lettered at once."""


@dataclass(frozen=True)
class Registration:
    """A handler and its per-kind timeout (None: the worker's default)."""

    handler: Handler
    timeout_s: float | None = None


class Registry:
    """Handlers by task kind; a worker leases only the kinds registered here."""

    def __init__(self, handlers: Mapping[str, Handler] | None = None) -> None:
        self._by_kind: dict[str, Registration] = {}
        for kind, handler in (handlers or {}).items():
            self.register(kind, handler)

    def register(self, kind: str, handler: Handler, timeout_s: float | None = None) -> None:
        """Handle tasks of ``kind`` with ``handler`` (replacing any previous one)."""
        if not kind:
            raise ValueError("a handler needs a non-empty kind")
        self._by_kind[kind] = Registration(handler, timeout_s)

    def handler(self, kind: str, timeout_s: float | None = None) -> Callable[[Handler], Handler]:
        """Decorator form of :meth:`register`."""

        def decorate(fn: Handler) -> Handler:
            self.register(kind, fn, timeout_s)
            return fn

        return decorate

    @property
    def kinds(self) -> list[str]:
        return sorted(self._by_kind)

    def __getitem__(self, kind: str) -> Registration:
        return self._by_kind[kind]


class _Runner:
    """One daemon thread that runs handlers; a stuck handler strands only this thread."""

    def __init__(self) -> None:
        self._jobs: SimpleQueue[tuple[Handler, Task, Future[Any]] | None] = SimpleQueue()
        threading.Thread(target=self._loop, name="petri-handler", daemon=True).start()

    def _loop(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            fn, task, future = job
            try:
                future.set_result(fn(task))
            except BaseException as exc:  # handed to the main thread, never lost
                future.set_exception(exc)

    def submit(self, fn: Handler, task: Task) -> Future[Any]:
        future: Future[Any] = Future()
        self._jobs.put((fn, task, future))
        return future

    def stop(self) -> None:
        """Let the thread end after its current job (a stuck one it cannot end)."""
        self._jobs.put(None)


class Worker:
    """Leases, runs, heartbeats and settles tasks until stopped. One task at a time.

    ``store`` (optional) receives ``task_leased``, ``task_done``, ``task_failed`` and
    ``task_dead`` events in the run named by the task's ``payload["run_id"]``, else ``run_id``.
    ``beat`` is called while the worker is alive and making progress (the supervisor's watch),
    ``settled`` after each task it settled (a local coordinator waiting for results wakes on
    it), ``sleep`` when it found nothing to lease (a local doorbell's ``wait`` wakes it as soon
    as work is queued).
    """

    def __init__(
        self,
        queue: Queue,
        registry: Registry,
        *,
        store: Store | None = None,
        run_id: str = "tasks",
        timeout_s: float = 300.0,
        heartbeat_s: float | None = None,
        poll_s: float = 0.05,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], object] = time.sleep,
        beat: Callable[[], None] = lambda: None,
        settled: Callable[[], None] = lambda: None,
        name: str | None = None,
    ) -> None:
        self.queue = queue
        # Named in its ``task_leased`` events, as the swarm's ``worker_joined`` names it.
        self.name = name or f"{socket.gethostname()}:{os.getpid()}"
        self.registry = registry
        self.store = store
        self.run_id = run_id
        self.timeout_s = timeout_s
        self.heartbeat_s = heartbeat_s or max(queue.lease_s / 3.0, 0.01)
        self.poll_s = poll_s
        self.clock = clock
        self.sleep = sleep
        self.beat = beat
        self.settled = settled
        self.stopping = False
        self.wedged = False
        self.processed = 0
        self._runner: _Runner | None = None

    def stop(self, *_: object) -> None:
        """Finish the current task, then leave ``run`` (also the SIGTERM handler)."""
        self.stopping = True

    def close(self) -> None:
        """End the handler thread; a worker that runs in a longer-lived process calls this
        when done, so no idle thread outlives it."""
        if self._runner is not None:
            self._runner.stop()
            self._runner = None

    def install_signal_handlers(self) -> None:
        """SIGTERM and SIGINT stop the worker after its current task (main thread only)."""
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self.stop()

    def run(self, *, until_idle: bool = False, max_tasks: int | None = None) -> int:
        """Process tasks until stopped (or idle, or ``max_tasks``); return how many were run."""
        start = self.processed
        while not self.stopping and not self.wedged:
            if max_tasks is not None and self.processed - start >= max_tasks:
                break
            self.beat()
            if not self.run_once():
                if until_idle:
                    break
                self.sleep(self.poll_s)
        return self.processed - start

    def run_once(self) -> bool:
        """Lease one task and settle it; False when nothing was leasable."""
        task = self.queue.lease(self.registry.kinds)
        if task is None:
            return False
        self._record(task, "task_leased", {"attempt": task.attempts, "worker": self.name})
        self._settle(task)
        self.processed += 1
        self.settled()
        return True

    def _settle(self, task: Task) -> None:
        registration = self.registry[task.kind]
        timeout = registration.timeout_s or self.timeout_s
        try:
            result = self._wait(task, registration.handler, timeout)
        except TimeoutError:
            self.wedged = True
            self._fail(task, f"timed out after {timeout:g}s", "", retry=True)
        except PermanentError as exc:
            self._fail(task, f"{type(exc).__name__}: {exc}", traceback.format_exc(), retry=False)
        except Exception as exc:  # a handler's failure is the task's, never the worker's
            self._fail(task, f"{type(exc).__name__}: {exc}", traceback.format_exc(), retry=True)
        else:
            self._done(task, result)

    def _wait(self, task: Task, handler: Handler, timeout: float) -> Any:
        if self._runner is None:
            self._runner = _Runner()
        future = self._runner.submit(handler, task)
        deadline = self.clock() + timeout
        while True:
            remaining = deadline - self.clock()
            if remaining <= 0:
                raise TimeoutError
            try:
                return future.result(timeout=min(self.heartbeat_s, remaining))
            except FutureTimeout:
                self.beat()
                if not self.queue.heartbeat(task):
                    log.warning("lost the lease of task %s while it ran", task.id)

    def _done(self, task: Task, result: Any) -> None:
        if self.store is not None:
            run = str(task.payload.get("run_id", self.run_id))
            value = _jsonable(result)
            # The result rides in the event too: a coordinator tails its run's events instead
            # of polling one state object per task.
            done = {"task": task.id, "kind": task.kind, "result": value}
            event = NewEvent(run, "task_done", done)
            try:
                self.store.put(f"task:{task.id}", {"result": value}, 0, [event])
            except StateConflict:
                log.info("task %s was already recorded done (a re-run after a crash)", task.id)
        if not self.queue.ack(task):
            log.warning("ack of task %s refused: its lease had expired", task.id)

    def _fail(self, task: Task, error: str, tb: str, *, retry: bool) -> None:
        status = self.queue.nack(task, error, tb, retry=retry)
        if status is None:
            log.warning("nack of task %s refused: its lease had expired", task.id)
            return
        kind = "task_dead" if status is TaskStatus.DEAD else "task_failed"
        self._record(task, kind, {"error": error, "attempt": task.attempts})

    def _record(self, task: Task, etype: str, extra: dict[str, Any]) -> None:
        if self.store is not None:
            run = str(task.payload.get("run_id", self.run_id))
            self.store.append(run, etype, {"task": task.id, "kind": task.kind, **extra})


def _jsonable(value: Any) -> Any:
    """The handler's result if it is plain JSON data, else its ``repr``."""
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)
    return value


def run_process(worker: Worker, **run_options: Any) -> None:
    """Body of a worker process: handle signals, run, and exit (``EXIT_WEDGED`` if stuck)."""
    worker.install_signal_handlers()
    worker.run(**run_options)
    worker.queue.close()
    if worker.store is not None:
        worker.store.close()
    if worker.wedged:
        log.error("a handler outlived its timeout; exiting so the supervisor can replace me")
        os._exit(EXIT_WEDGED)
