"""Crash proof: workers SIGKILLed at random moments, the supervisor restarts them, and in the
end every task is done exactly once in the event log's accounting (effects may repeat)."""

from __future__ import annotations

import os
import random
import signal
import time
from collections import Counter
from pathlib import Path

import pytest

from petri.runtime.admin import make_target
from petri.runtime.queue import RetryPolicy, Task, TaskStatus, from_url
from petri.runtime.store import from_url as store_from_url
from petri.runtime.supervisor import HeartbeatWatch, RestartIntensity, Supervisor
from petri.runtime.worker import Registry

N_TASKS, WORKERS, KILLS = 300, 2, 8


@pytest.fixture(params=["sqlite", "redis"])
def queue_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/q.db"
    return str(request.getfixturevalue("redis_url"))  # a private server for the session


def test_sigkilled_workers_lose_no_task_and_count_none_twice(
    tmp_path: Path, queue_url: str
) -> None:
    store_url = f"sqlite:///{tmp_path}/events.db"
    retry = RetryPolicy(max_attempts=100, base=0.0, cap=0.01)
    options = {"retry": retry, "lease_s": 0.5, "name": f"crash{tmp_path.name}"}
    queue = from_url(queue_url, **options)
    ids = queue.enqueue_many([Task("work", {"i": i, "run_id": "crash"}) for i in range(N_TASKS)])
    store = store_from_url(store_url)

    def work(task: Task) -> int:
        time.sleep(0.002)  # a window in which a kill lands mid-task
        store.append("effects", "effect", {"task": task.id})  # an effect: may repeat
        return int(task.payload["i"])

    target = make_target(
        queue_url,
        Registry({"work": work}),
        store_url=store_url,
        queue_options=options,
        poll_s=0.01,
    )
    supervisor = Supervisor(
        target,
        WORKERS,
        intensity=RestartIntensity(max_restarts=KILLS + 5, period_s=600),
        watch=HeartbeatWatch(timeout_s=None),
    )
    rng = random.Random(1234)
    supervisor.start()
    kills = 0
    try:
        for _ in range(6000):
            if supervisor.poll() and queue.stats()[TaskStatus.DONE] == N_TASKS:
                break
            if kills < KILLS and rng.random() < 0.2 and supervisor.pids:
                os.kill(rng.choice(supervisor.pids), signal.SIGKILL)
                kills += 1
            time.sleep(rng.uniform(0.005, 0.03))
    finally:
        supervisor.stop()

    assert kills == KILLS and supervisor.restarts >= 1
    assert queue.stats()[TaskStatus.DONE] == N_TASKS
    done = Counter(e.payload["task"] for e in store.replay("crash") if e.type == "task_done")
    assert set(done) == set(ids), "a task was lost"
    assert max(done.values()) == 1, "a completion was counted twice"
    effects = Counter(e.payload["task"] for e in store.replay("effects"))
    assert set(effects) == set(ids) and sum(effects.values()) >= N_TASKS
