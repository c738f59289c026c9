"""Capabilities: a worker leases only the swarm tasks whose capability it declared, and each
worker takes one task at a time, so the tasks spread over the workers that can run them."""

from __future__ import annotations

from pathlib import Path

import swarm_toys  # noqa: F401 - registers the toy agents

from petri.agents.handler import swarm_handlers
from petri.agents.models import SwarmTask, runtime_kind
from petri.runtime.queue import Task, TaskStatus
from petri.runtime.queue import from_url as queue_from_url
from petri.runtime.store import from_url as store_from_url
from petri.runtime.worker import Registry, Worker


def _task(run: str, store: str, tid: str, kind: str, capability: str) -> Task:
    swarm = SwarmTask(id=tid, kind=kind, capability=capability, payload={"n": 1})
    payload = {"run_id": run, "store": store, "agents": [], "config": {},
               "task": swarm.model_dump(mode="json")}  # fmt: skip
    return Task(runtime_kind(capability), payload, id=f"{run}/{tid}@1")


def test_a_task_runs_only_where_its_capability_is(tmp_path: Path) -> None:
    store_url, queue_url = f"sqlite:///{tmp_path}/s.db", f"sqlite:///{tmp_path}/q.db"
    queue = queue_from_url(queue_url)
    gpu = queue.enqueue(_task("r", store_url, "g", "toy.gpu", "gpu"))
    plain = [queue.enqueue(_task("r", store_url, f"a{n}", "toy.add", "default")) for n in range(4)]
    store = store_from_url(store_url)
    cpu_a = Worker(queue_from_url(queue_url), Registry(swarm_handlers(["default"])), store=store)
    cpu_b = Worker(queue_from_url(queue_url), Registry(swarm_handlers(["default"])), store=store)
    for _ in range(2):  # the two workers take turns: each leases one task at a time
        cpu_a.run(max_tasks=1)
        cpu_b.run(max_tasks=1)
    assert all(queue.get(t).status is TaskStatus.DONE for t in plain)  # type: ignore[union-attr]
    assert queue.get(gpu).status is TaskStatus.PENDING  # type: ignore[union-attr]
    assert (cpu_a.processed, cpu_b.processed) == (2, 2)
    gpu_worker = Worker(queue_from_url(queue_url), Registry(swarm_handlers(["gpu"])), store=store)
    assert gpu_worker.run(until_idle=True) == 1
    assert queue.get(gpu).status is TaskStatus.DONE  # type: ignore[union-attr]
    joined = [e.payload["capabilities"] for e in store.replay("r") if e.type == "worker_joined"]
    assert ["default"] in joined and ["gpu"] in joined
    for worker in (cpu_a, cpu_b, gpu_worker):
        worker.close()
