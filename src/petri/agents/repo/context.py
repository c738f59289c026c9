"""A repository task's view of the repository: the state it works on and a sandbox pool on it."""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from petri.agents.agent import AgentContext
from petri.agents.models import SwarmTask
from petri.agents.repo.layout import RepoLayout
from petri.agents.repo.workspace import file_key, get_blob, materialize
from petri.agents.shared import state_key
from petri.config import Limits, SandboxSettings
from petri.sandbox.pool import WorkerPool
from petri.sandbox.spec import JudgeSpec


@dataclass
class Repo:
    """The repository at the state one task works on."""

    ctx: AgentContext
    layout: RepoLayout  # as discovered (``root`` is the user's folder)
    digest: str
    pins: dict[str, str]  # file -> blob laid over the snapshot
    limits: Limits
    sandbox: SandboxSettings

    @classmethod
    def of(cls, ctx: AgentContext, task: SwarmTask) -> Repo:
        config = ctx.config
        return cls(
            ctx=ctx,
            layout=RepoLayout.from_json(config["repo"]),
            digest=str(config["repo_digest"]),
            pins={str(k): str(v) for k, v in (task.payload.get("pins") or {}).items()},
            limits=Limits(**config.get("limits", {})),
            sandbox=SandboxSettings(**config.get("sandbox", {})),
        )

    @property
    def root(self) -> Path:
        return materialize(self.ctx.store, self.digest, self.pins)

    def text(self, rel: str) -> str:
        if rel in self.pins:
            return get_blob(self.ctx.store, self.pins[rel])
        return (materialize(self.ctx.store, self.digest, {}) / rel).read_text(encoding="utf-8")

    def current(self, rel: str) -> tuple[str, int]:
        """The file as the shared state holds it now (the snapshot's when never promoted), and
        the version a compare-and-set write of it must expect."""
        value, version = self.ctx.store.get(state_key(self.ctx.run_id, file_key(rel)))
        if isinstance(value, Mapping) and value.get("blob"):
            return get_blob(self.ctx.store, str(value["blob"])), version
        return (materialize(self.ctx.store, self.digest, {}) / rel).read_text("utf-8"), version

    def spec(self, program: str, tests: tuple[str, ...] | None = None) -> JudgeSpec:
        layout = self.layout
        return JudgeSpec(
            root=self.root,
            program=program,
            kind="tests",
            module_name=layout.modules[program],
            layout="repository",
            tests=tests or layout.tests,
            paths=layout.paths,
            sources=layout.sources,
        )

    @contextlib.contextmanager
    def pool(
        self, program: str, *, workers: int = 1, tests: tuple[str, ...] | None = None
    ) -> Iterator[WorkerPool]:
        """A warm sandbox pool judging ``program`` of this state (closed on exit)."""
        sandbox = self.sandbox.model_copy(update={"workers": workers})
        pool = WorkerPool(self.spec(program, tests), self.limits, sandbox)
        pool.start()
        try:
            yield pool
        finally:
            pool.close()


def seed_for(config: Mapping[str, Any], task: SwarmTask) -> int:
    """A task's search seed: the run's seed, the task and its strategy (never its version, so
    a task re-run on the same state searches the same way)."""
    text = f"{config.get('seed', 0)}:{task.id}:{task.strategy}"
    return int(hashlib.sha256(text.encode()).hexdigest()[:8], 16)
