"""The worker: leases its kinds, runs with a timeout, heartbeats, acks/retries/dead-letters."""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from petri.runtime.queue import RetryPolicy, Task, TaskStatus, from_url
from petri.runtime.store import Store
from petri.runtime.store import from_url as store_from_url
from petri.runtime.worker import EXIT_WEDGED, PermanentError, Registry, Worker, run_process


def make(handlers: dict[str, Any], **kw: Any) -> tuple[Worker, Store]:
    queue = from_url("memory://", retry=RetryPolicy(max_attempts=2, base=0.0, cap=0.0))
    store = store_from_url("memory://")
    return Worker(queue, Registry(handlers), store=store, poll_s=0.001, **kw), store


def types(store: Store, run: str = "tasks") -> list[str]:
    return [e.type for e in store.read(run)]


def test_runs_acks_and_records_events() -> None:
    seen = []
    worker, store = make({"add": lambda t: seen.append(t.payload["x"]) or "ok"})
    task_id = worker.queue.enqueue(Task("add", {"x": 1, "run_id": "r1"}))
    assert worker.run(until_idle=True) == 1
    assert seen == [1]
    assert worker.queue.get(task_id).status is TaskStatus.DONE  # type: ignore[union-attr]
    assert types(store, "r1") == ["task_leased", "task_done"]
    assert store.get(f"task:{task_id}") == ({"result": "ok"}, 1)


def test_leases_only_the_kinds_it_handles() -> None:
    worker, _ = make({"mine": lambda t: None})
    other = worker.queue.enqueue(Task("theirs"))
    worker.queue.enqueue(Task("mine"))
    assert worker.run(until_idle=True) == 1
    assert worker.queue.get(other).status is TaskStatus.PENDING  # type: ignore[union-attr]


def test_a_failing_handler_retries_then_dead_letters_and_the_worker_lives() -> None:
    def boom(task: Task) -> None:
        raise RuntimeError("flaky")

    worker, store = make({"boom": boom, "ok": lambda t: None})
    bad = worker.queue.enqueue(Task("boom"))
    worker.queue.enqueue(Task("ok"))
    worker.run(until_idle=True)
    task = worker.queue.get(bad)
    assert task is not None and task.status is TaskStatus.DEAD
    assert "RuntimeError: flaky" in (task.error or "") and "boom" in (task.traceback or "")
    assert types(store).count("task_failed") == 1 and types(store).count("task_dead") == 1
    assert types(store).count("task_done") == 1


def test_permanent_error_dead_letters_at_once() -> None:
    def hopeless(task: Task) -> None:
        raise PermanentError("bad input")

    worker, store = make({"k": hopeless})
    task_id = worker.queue.enqueue(Task("k"))
    worker.run(until_idle=True)
    assert worker.queue.get(task_id).status is TaskStatus.DEAD  # type: ignore[union-attr]
    assert types(store) == ["task_leased", "task_dead"]


def test_heartbeats_while_the_handler_runs() -> None:
    beats = threading.Semaphore(0)

    def slow(task: Task) -> str:
        for _ in range(2):
            assert beats.acquire(timeout=30)
        return "done"

    worker, _ = make({"slow": slow}, heartbeat_s=0.01)
    real = worker.queue.heartbeat

    def spy(task: Task) -> bool:
        beats.release()
        return real(task)

    worker.queue.heartbeat = spy  # type: ignore[method-assign]
    task_id = worker.queue.enqueue(Task("slow"))
    worker.run(until_idle=True)
    assert worker.queue.get(task_id).status is TaskStatus.DONE  # type: ignore[union-attr]


def test_a_hung_handler_times_out_and_wedges_the_worker() -> None:
    release = threading.Event()
    worker, store = make({"hang": lambda t: release.wait(60)}, timeout_s=0.05, heartbeat_s=0.01)
    task_id = worker.queue.enqueue(Task("hang"))
    worker.queue.enqueue(Task("hang"))
    assert worker.run() == 1  # stops leasing: its runner thread is stuck
    release.set()
    task = worker.queue.get(task_id)
    assert task is not None and task.status is TaskStatus.FAILED
    assert "timed out" in (task.error or "")
    assert worker.wedged and types(store) == ["task_leased", "task_failed"]


def test_a_rerun_after_a_crash_is_not_counted_twice() -> None:
    worker, store = make({"k": lambda t: None})
    task_id = worker.queue.enqueue(Task("k"))
    store.put(f"task:{task_id}", {"result": None}, 0)  # a previous run recorded it, then died
    worker.run(until_idle=True)
    assert types(store) == ["task_leased"]
    assert worker.queue.get(task_id).status is TaskStatus.DONE  # type: ignore[union-attr]


def test_registry() -> None:
    registry = Registry()

    @registry.handler("b", timeout_s=3)
    def b(task: Task) -> None:
        return None

    registry.register("a", b)
    assert registry.kinds == ["a", "b"] and registry["b"].timeout_s == 3
    with pytest.raises(ValueError):
        registry.register("", b)


def _child(url: str, started: str, timeout_s: float) -> None:
    def handler(task: Task) -> str:
        Path(started).touch()
        if task.kind == "hang":
            threading.Event().wait()
        time.sleep(0.3)
        return "finished"

    queue = from_url(url)
    worker = Worker(queue, Registry({"k": handler, "hang": handler}), timeout_s=timeout_s)
    run_process(worker)


def _wait_for(path: Path) -> None:
    for _ in range(600):
        if path.exists():
            return
        time.sleep(0.05)
    raise AssertionError(f"{path} never appeared")


@pytest.mark.parametrize("kind", ["k", "hang"])
def test_worker_process_sigterm_and_wedge(kind: str, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/q.db"
    task_id = from_url(url).enqueue(Task(kind))
    started = tmp_path / "started"
    ctx = multiprocessing.get_context("fork")
    proc = ctx.Process(target=_child, args=(url, str(started), 0.5 if kind == "hang" else 60))
    proc.start()
    _wait_for(started)
    if kind == "k":
        os.kill(proc.pid or 0, signal.SIGTERM)  # mid-task: the task finishes, then a clean exit
    proc.join(60)
    task = from_url(url).get(task_id)
    assert task is not None
    if kind == "k":
        assert proc.exitcode == 0 and task.status is TaskStatus.DONE
    else:
        assert proc.exitcode == EXIT_WEDGED and task.status is TaskStatus.FAILED


def _serve(url: str) -> None:
    from petri.runtime.admin import worker_main

    worker_main(url, 1, {"k": lambda t: None})


def test_admin_functions_and_worker_main(tmp_path: Path) -> None:
    from petri.runtime import admin

    url = f"sqlite:///{tmp_path}/q.db"
    queue = from_url(url, retry=RetryPolicy(max_attempts=1))
    dead_id = queue.enqueue(Task("x", {"a": 1}))
    task = queue.lease()
    assert task is not None and queue.nack(task, "boom", "tb") is TaskStatus.DEAD
    queue.enqueue(Task("k"))
    assert admin.queue_stats(url)["dead"] == 1
    [dead] = admin.dead_tasks(url)
    assert dead["id"] == dead_id and dead["error"] == "boom" and dead["payload"] == {"a": 1}
    assert admin.redrive(url, [dead_id]) == 1
    assert admin.queue_stats(url)["pending"] == 2
    proc = multiprocessing.get_context("fork").Process(target=_serve, args=(url,))
    proc.start()
    while admin.queue_stats(url)["done"] < 1:
        time.sleep(0.02)
    os.kill(proc.pid or 0, signal.SIGTERM)
    proc.join(60)
    assert proc.exitcode == 0
    assert admin.queue_stats(url)["pending"] == 1  # kind "x" has no handler here


def test_an_idle_worker_waits_with_its_sleep_and_tells_each_settled_task() -> None:
    from petri.runtime.doorbell import Doorbell

    work, results = Doorbell.open(), Doorbell.open()
    try:
        worker, _ = make({"k": lambda t: None}, sleep=work.wait, settled=results.ring)
        worker.queue.enqueue_many([Task("k", {}), Task("k", {})])
        assert worker.run(max_tasks=2) == 2
        assert results.wait(0) and results.wait(0) and not results.wait(0)  # one ring per task
        worker.poll_s = 3600.0  # only a ring can wake it before the test times out
        idle = threading.Thread(target=worker.run, kwargs={"max_tasks": 1})
        idle.start()
        worker.queue.enqueue(Task("k", {}))
        work.ring()
        idle.join(60)
        assert not idle.is_alive() and worker.processed == 3
    finally:
        work.close()
        results.close()
