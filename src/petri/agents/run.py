"""Start, resume and finish swarm runs: the store, the queue, local workers and the coordinator.

A run's events live in ``FOLDER/.petri/petri.db`` and its tasks in ``FOLDER/.petri/queue.db``
(the goal's or the repository's folder), unless ``--store``/``--broker`` name Redis or NATS so
that ``petri worker --capabilities ...`` on other machines can join. Local workers are
supervised processes that die with the coordinator, so ``kill -9`` leaves none behind; their
leased tasks return to the queue when the leases expire, and ``petri resume RUN`` goes on.

What a run is for is decided by its mode: ``goal`` (a GOAL.toml) or ``repair``/``improve`` (a
repository). Each mode's module builds the planner, the world model and the rubrics from the
run's recorded config, so a resumed run rebuilds exactly what it started with.

A run stops (``swarm_stopped``) when its model budget is spent or when a person asks
(``petri stop``, looked for at most once per ``STOP_CHECK_S``); ``petri resume`` goes on, and
withdraws the stop request the run honoured.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from petri.agents import journal
from petri.agents.coordinator import Coordinator, Progress
from petri.agents.handler import DEFAULT_CAPABILITIES, swarm_handlers
from petri.agents.journal import SwarmState
from petri.agents.models import SwarmTask
from petri.agents.planning import Planner, WorldModel
from petri.agents.promote import Promoter
from petri.agents.rubric import RubricRegistry
from petri.config import Settings, SwarmSettings
from petri.errors import ConfigError
from petri.runtime.admin import die_with_parent, make_target
from petri.runtime.queue import from_url as queue_from_url
from petri.runtime.runs import RunInfo, lookup, new_run_id, register, state_folder
from petri.runtime.stop import StopCheck, StopRequest, withdraw
from petri.runtime.store import NewEvent, Store
from petri.runtime.store import from_url as store_from_url
from petri.runtime.supervisor import HeartbeatWatch, Supervisor
from petri.runtime.worker import Registry

ProgressFn = Callable[[Progress], None]
#: Seconds between looks for a person's stop request (the loop polls every few milliseconds).
STOP_CHECK_S = 1.0

#: mode -> module with ``build(config, store) -> Mode``
_MODES = {
    "goal": "petri.agents.general",
    "repair": "petri.agents.repo.mode",
    "improve": "petri.agents.repo.mode",
}


class Summarize(Protocol):
    def __call__(self, info: RunInfo, state: SwarmState, store: Store) -> dict[str, Any]: ...


@dataclass
class Mode:
    """What one kind of swarm run plugs into the coordinator."""

    planner: Planner
    rubrics: RubricRegistry
    summarize: Summarize
    world: WorldModel | None = None
    agents: list[str] = field(default_factory=list)  # modules every worker imports
    rebase: Callable[[str], Any] = lambda kind: None
    #: Payload a task gets at release, from the run's state (e.g. the files it works on).
    prepare: Callable[[SwarmTask, SwarmState], dict[str, Any]] = lambda task, state: {}


def start_swarm(
    root: Path,
    config: dict[str, Any],
    settings: Settings,
    *,
    out: Path | None = None,
    store_url: str | None = None,
    broker_url: str | None = None,
    progress: ProgressFn = lambda _: None,
) -> dict[str, Any]:
    """Start a swarm run whose state lives in ``root/.petri`` and drive it as far as it goes."""
    state_dir = state_folder(root)
    run_id = new_run_id()
    info = RunInfo(
        run_id=run_id,
        problem=str(root),
        store=store_url or f"sqlite:///{state_dir / 'petri.db'}",
        queue=broker_url or f"sqlite:///{state_dir / 'queue.db'}",
        out=str((out or state_dir / "swarm" / run_id).resolve()),
        created=time.time(),
        kind="swarm",
    )
    full = {**config, "run_id": run_id, "swarm": settings.swarm.model_dump(), "out": info.out}
    return drive_swarm(info, full, progress=progress, register_in=settings.home)


def resume_swarm(
    home: Path,
    name: str,
    *,
    workers: int | None = None,
    budget: Mapping[str, float | None] | None = None,
    progress: ProgressFn = lambda _: None,
) -> dict[str, Any]:
    """Continue a swarm run from its events (after a crash, a budget stop or a review)."""
    info = lookup(home, name)
    store = store_from_url(info.store)
    try:
        state = SwarmState.replay(info.run_id, store.replay(info.run_id))
        if not state.config:
            raise ConfigError(f"run {info.run_id} has no events in {info.store}; start a new run")
        config = dict(state.config)
        overrides = {k: v for k, v in (budget or {}).items() if v is not None}
        if overrides or state.stopped is not None:
            config["budget"] = {**config.get("budget", {}), **overrides}
            resumed = NewEvent(info.run_id, "swarm_resumed", {"budget": config["budget"]})
            if state.stopped is not None:  # the stop request it honoured, if any, is done
                withdraw(store, info.run_id, [resumed])
            else:
                store.append_many([resumed])
    finally:
        store.close()
    if workers is not None:
        config["swarm"] = {**config["swarm"], "workers": workers}
    return drive_swarm(info, config, progress=progress)


def drive_swarm(
    info: RunInfo,
    config: dict[str, Any],
    *,
    progress: ProgressFn = lambda _: None,
    register_in: Path | None = None,
) -> dict[str, Any]:
    """Run the coordinator with the configured local workers; summarize where the run stands.
    A new run (``register_in``: the home that lists runs) is listed only once its first event,
    with all its configuration, is written: a run `petri resume` can find always has it,
    however early it was killed."""
    settings = SwarmSettings(**config["swarm"])
    store = store_from_url(info.store)
    queue = queue_from_url(info.queue, lease_s=settings.lease_s)
    try:
        mode = build_mode(config, store)  # fills in what a mode derives once (a repo's digest)
        if register_in is not None:
            store.append(info.run_id, journal.SWARM_STARTED, config)
            register(register_in, info)
        supervisor = _local_workers(info, settings, mode) if settings.workers else None
        asked = StopCheck(store, info.run_id, every_s=STOP_CHECK_S)
        if supervisor is not None:
            supervisor.start()
        try:
            payload = {"store": info.store, "agents": mode.agents,
                       "config": _worker_config(config)}  # fmt: skip
            coordinator = Coordinator(
                info.run_id,
                store,
                queue,
                mode.planner,
                rubrics=mode.rubrics,
                settings=settings,
                payload=payload,
                world=mode.world,
                promoter=Promoter(store, info.run_id, mode.rebase),
                prepare=mode.prepare,
                tick=supervisor.poll if supervisor is not None else lambda: None,
                progress=progress,
                stop_when=lambda state: stop_reason(state, config.get("budget", {}), asked),
            )
            state = coordinator.run(config)
        finally:
            if supervisor is not None:
                supervisor.stop()
        return mode.summarize(info, state, store)
    finally:
        queue.close()
        store.close()


def build_mode(config: dict[str, Any], store: Store) -> Mode:
    name = str(config.get("mode", "goal"))
    if name not in _MODES:
        raise ConfigError(f"unknown swarm mode {name!r}; this run was made by a newer petri")
    module = importlib.import_module(_MODES[name])
    mode: Mode = module.build(config, store)
    return mode


def stop_reason(
    state: SwarmState, budget: Mapping[str, Any], asked: Callable[[], StopRequest | None]
) -> str | None:
    """Why the run must stop: its model budget is spent, or a person asked; None: go on."""
    reason = over_budget(state, budget)
    if reason is not None:
        return reason
    request = asked()
    return None if request is None else request.describe()


def over_budget(state: SwarmState, budget: Mapping[str, Any]) -> str | None:
    """Why the run must stop for its model budget, or None."""
    tokens, cost = budget.get("max_tokens"), budget.get("max_cost")
    if tokens is not None and state.usage["tokens"] >= float(tokens):
        return f"token budget spent ({state.usage['tokens']:.0f} >= {tokens}); resume with more"
    if cost is not None and state.usage["cost_usd"] >= float(cost):
        return f"cost budget spent (${state.usage['cost_usd']:.4f} >= ${cost}); resume with more"
    return None


def _worker_config(config: Mapping[str, Any]) -> dict[str, Any]:
    """The part of the run's config every task carries to its worker."""
    keep = (
        "mode",
        "seed",
        "repo",
        "repo_digest",
        "limits",
        "sandbox",
        "llm",
        "budget",
        "swarm",
        "goal",
        "run_id",
    )
    return {k: config[k] for k in keep if k in config}


def _local_workers(info: RunInfo, settings: SwarmSettings, mode: Mode) -> Supervisor:
    from petri.agents.agent import AGENTS
    from petri.agents.models_llm import model_factory

    # Local workers offer every capability the run's agents need; remote ones say theirs.
    capabilities = {*DEFAULT_CAPABILITIES, *AGENTS.capabilities()}
    handlers = swarm_handlers(capabilities, model_factory)
    target = make_target(
        info.queue,
        Registry(handlers),
        store_url=info.store,
        timeout_s=settings.task_timeout_s,
        queue_options={"lease_s": settings.lease_s},
    )

    def body(index: int, beat: Callable[[], None]) -> None:
        die_with_parent()
        target(index, beat)

    watch = HeartbeatWatch(timeout_s=settings.task_timeout_s + 60.0)
    return Supervisor(body, settings.workers, watch=watch)
