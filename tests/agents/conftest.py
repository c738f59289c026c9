"""Swarm fixtures: an inline swarm (coordinator and one worker in the test's thread, on SQLite)
and store URLs on every backend for the shared-state contract."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from petri.agents.agent import AGENTS
from petri.agents.coordinator import Coordinator
from petri.agents.handler import swarm_handlers
from petri.agents.journal import SwarmState
from petri.agents.planning import Planner, WorldModel
from petri.agents.promote import Promoter
from petri.agents.rubric import RubricRegistry
from petri.config import SwarmSettings
from petri.runtime.queue import from_url as queue_from_url
from petri.runtime.store import Store
from petri.runtime.store import from_url as store_from_url
from petri.runtime.worker import Registry, Worker

BACKENDS = ["memory", "sqlite", "redis", "nats"]
#: data/ holds repositories the swarm repairs; their tests are data, not this suite's.
collect_ignore_glob = ["data/*"]
SHOP = Path(__file__).resolve().parent / "data" / "shop"


@pytest.fixture(params=BACKENDS)
def any_store_url(request: pytest.FixtureRequest, store_url_on: Callable[[str], str]) -> str:
    return store_url_on(request.param)


@pytest.fixture(params=["sqlite", "redis"])
def shared_store_url(request: pytest.FixtureRequest, store_url_on: Callable[[str], str]) -> str:
    """The backends several processes share in these tests: SQLite and Redis."""
    return store_url_on(request.param)


class Inline:
    """A swarm whose worker runs in the coordinator's thread: fast and deterministic."""

    def __init__(self, tmp_path: Path) -> None:
        self.store_url = f"sqlite:///{tmp_path}/petri.db"
        self.queue_url = f"sqlite:///{tmp_path}/queue.db"
        self.store: Store = store_from_url(self.store_url)
        self.run_id = "r-" + uuid.uuid4().hex[:8]
        self.capabilities = ["default", "evolve", "test", "model", "http"]
        self.workers: list[Worker] = []

    def coordinator(
        self,
        planner: Planner,
        *,
        rubrics: RubricRegistry | None = None,
        world: WorldModel | None = None,
        settings: SwarmSettings | None = None,
        config: dict[str, Any] | None = None,
        **options: Any,
    ) -> Coordinator:
        queue = queue_from_url(self.queue_url, lease_s=5.0)
        handlers = swarm_handlers(self.capabilities)
        worker = Worker(
            queue_from_url(self.queue_url, lease_s=5.0),
            Registry(handlers),
            store=store_from_url(self.store_url),
            poll_s=0.001,
            timeout_s=60,
        )
        self.workers.append(worker)
        payload = {"store": self.store_url, "agents": [], "config": dict(config or {})}
        return Coordinator(
            self.run_id,
            self.store,
            queue,
            planner,
            rubrics=rubrics or AGENTS.rubrics(),
            settings=settings or SwarmSettings(retry_base_s=0.01, retry_jitter=0.0),
            payload=payload,
            world=world,
            promoter=Promoter(self.store, self.run_id, lambda kind: AGENTS.for_kind(kind).rebase),
            tick=lambda: worker.run(until_idle=True),
            **options,
        )

    def run(self, planner: Planner, **kw: Any) -> SwarmState:
        config = {"mode": "test", **kw.pop("config", {})}
        return self.coordinator(planner, config=config, **kw).run(config)

    def types(self) -> list[str]:
        return [e.type for e in self.store.replay(self.run_id)]


@pytest.fixture
def inline(tmp_path: Path) -> Iterator[Inline]:
    swarm = Inline(tmp_path)
    yield swarm
    for worker in swarm.workers:
        worker.close()  # idle handler threads would outlive the test
        worker.queue.close()
    swarm.store.close()


Make = Callable[..., Any]


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    """A fresh copy of the small buggy repository (three bugs, one masked)."""
    import shutil

    return Path(shutil.copytree(SHOP, tmp_path / "shop"))
