"""The worker's side of a swarm: run one task's agent, keep its state, return its result.

``petri worker --capabilities evolve,test`` (and the local workers of ``petri swarm``) lease
the runtime kinds ``swarm:evolve`` and ``swarm:test`` only: a task runs where its capability
is, and each worker leases one task at a time, so load spreads over the workers that have it.
The first task of a run a worker process takes records ``worker_joined`` with its capabilities.

The agent's saved state is loaded before ``handle`` and written back after it with
compare-and-set; when another instance of the same agent saved meanwhile, only the keys this
task changed are applied on top of the newer state (a rebase), so no agent update is lost.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from petri.agents import journal
from petri.agents.agent import AGENTS, Agent, AgentContext, load_modules
from petri.agents.models import SwarmTask, runtime_kind
from petri.agents.tools import default_registry
from petri.errors import BudgetExhausted, StateConflict
from petri.runtime.queue import Task
from petri.runtime.store import Store
from petri.runtime.store import from_url as store_from_url

#: History entries an agent's saved state keeps (the events keep every one).
HISTORY_KEPT = 50
#: Capabilities of a swarm worker that is not told otherwise.
DEFAULT_CAPABILITIES = ("default", "evolve", "test", "model")

ModelFactory = Callable[[Mapping[str, Any], Store, str], Any]


class _Stores:
    """One store connection per URL per worker process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_url: dict[str, Store] = {}

    def get(self, url: str) -> Store:
        with self._lock:
            if url not in self._by_url:
                self._by_url[url] = store_from_url(url)
            return self._by_url[url]


_STORES = _Stores()
_JOINED: set[tuple[str, tuple[str, ...]]] = set()


def agent_key(run_id: str, name: str) -> str:
    """The store key of an agent's saved state in one run."""
    return f"swarm:{run_id}:agent:{name}"


def swarm_handlers(
    capabilities: Iterable[str] = DEFAULT_CAPABILITIES, model_factory: ModelFactory | None = None
) -> dict[str, Callable[[Task], Any]]:
    """Runtime handlers for the swarm tasks that need one of ``capabilities``."""
    caps = sorted(set(capabilities))

    def handle(task: Task) -> dict[str, Any]:
        return run_task(task, caps, model_factory)

    return {runtime_kind(cap): handle for cap in caps}


def run_task(
    task: Task, capabilities: list[str], model_factory: ModelFactory | None = None
) -> dict[str, Any]:
    """Run the agent of one swarm task and return its (JSON) result."""
    payload = task.payload
    run_id = str(payload["run_id"])
    store = _STORES.get(str(payload["store"]))
    load_modules(payload.get("agents", []))
    swarm_task = SwarmTask.model_validate(payload["task"])
    worker = f"{socket.gethostname()}:{os.getpid()}"
    joined = (run_id, tuple(capabilities))
    if joined not in _JOINED:
        _JOINED.add(joined)
        store.append(run_id, journal.WORKER_JOINED, {"worker": worker,
                                                     "capabilities": capabilities})  # fmt: skip
    config = payload.get("config") or {}
    ctx = AgentContext(
        run_id=run_id,
        store=store,
        tools=default_registry(),
        record=lambda etype, data: store.append(run_id, etype, data),
        config=config,
        model=model_factory(config, store, run_id) if model_factory else None,
        worker=worker,
    )
    agent = AGENTS.for_kind(swarm_task.kind)(ctx)
    key = agent_key(run_id, agent.state_key(swarm_task))
    saved, _ = store.get(key)
    agent.state = dict(saved.get("state", {})) if isinstance(saved, dict) else {}
    agent.history = list(saved.get("history", [])) if isinstance(saved, dict) else []
    loaded = dict(agent.state)
    error = ""
    try:
        result = agent.handle(swarm_task)
    except BudgetExhausted as exc:
        return {"ok": False, "budget_exhausted": True, "message": str(exc)}
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"[:500]
        raise
    finally:  # what the agent learned is kept even when the task fails (a retry sees it)
        _save(store, key, agent, loaded, swarm_task, error=error)
    return result if isinstance(result, dict) else {"value": result}


def _save(
    store: Store, key: str, agent: Agent, loaded: dict[str, Any], task: SwarmTask, *, error: str
) -> None:
    changed = {k: v for k, v in agent.state.items() if loaded.get(k, _MISSING) != v}
    removed = [k for k in loaded if k not in agent.state]
    entry = {"task": task.id, "version": task.version, "kind": task.kind, "ok": not error}
    if error:
        entry["error"] = error
    while True:
        saved, version = store.get(key)
        base = saved if isinstance(saved, dict) else {}
        state = {**base.get("state", {}), **changed}
        for name in removed:
            state.pop(name, None)
        history = [*base.get("history", []), entry][-HISTORY_KEPT:]
        try:
            store.put(key, {"state": state, "history": history}, version)
            return
        except StateConflict:  # another instance saved first: apply our changes on top
            continue


_MISSING = object()
