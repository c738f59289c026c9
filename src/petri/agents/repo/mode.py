"""``petri swarm repair|improve REPO``: the pieces the coordinator runs a repository swarm with."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from petri.agents.journal import SwarmState
from petri.agents.models import SwarmTask
from petri.agents.promote import Rebase
from petri.agents.repo import roles
from petri.agents.repo.outputs import summarize
from petri.agents.repo.planner import RepoPlanner
from petri.agents.repo.rubric import improve_rubric, model_opinion, repair_rubric
from petri.agents.repo.workspace import FILE_PREFIX, merge_onto, pins_of, publish
from petri.agents.repo.world import RepoWorld
from petri.agents.rubric import Check, RubricRegistry
from petri.agents.run import Mode
from petri.runtime.store import Store

ROLES = roles.__name__
#: The task kinds whose result is a change of one file.
EDITS = ("repair", "improve")


def build(config: dict[str, Any], store: Store) -> Mode:
    if "repo_digest" not in config:  # a new run: publish the repository as it is now, once
        config["repo_digest"] = publish(store, Path(config["repo"]["root"]))
    opinion = _opinion(config, store)
    rubrics = RubricRegistry()
    rubrics.register("repair", repair_rubric(opinion))
    rubrics.register("improve", improve_rubric(opinion))
    return Mode(
        planner=RepoPlanner(config),
        rubrics=rubrics,
        summarize=summarize,
        world=RepoWorld(store, str(config["repo_digest"])),
        agents=[ROLES],
        rebase=lambda kind: _rebase(store, str(config["repo_digest"])) if kind in EDITS else None,
        prepare=prepare,
    )


def _rebase(store: Store, digest: str) -> Rebase:
    """A file change that lost its race, merged onto the newer file; None (the task runs again
    on the newer file) when both changed the same lines."""

    def rebase(task: SwarmTask, result: Mapping[str, Any], current: Any, version: int) -> Any:
        change = result.get("change") or {}
        key = str(change.get("key", ""))
        if not key.startswith(FILE_PREFIX) or not isinstance(change.get("value"), Mapping):
            return None
        return merge_onto(store, digest, key.removeprefix(FILE_PREFIX), change["value"], current)

    return rebase


def prepare(task: SwarmTask, state: SwarmState) -> dict[str, Any]:
    """The pins a repair or improve task works on: its round's state plus what the tasks it
    depends on promoted (a deterministic state, whatever else was promoted meanwhile)."""
    if task.kind not in ("repair", "improve"):
        return {}
    pins = dict(task.payload.get("base_pins", {}))
    wanted = _closure(task, state)
    for promotion in state.promotions:
        if promotion.task in wanted and not promotion.reverted:
            pins.update(pins_of({promotion.key: promotion.value}))
    return {"pins": pins}


def _closure(task: SwarmTask, state: SwarmState) -> set[str]:
    found: set[str] = set()
    todo = [*task.depends_on, *task.after]
    while todo:
        tid = todo.pop()
        if tid in found or tid not in state.tasks:
            continue
        found.add(tid)
        todo.extend([*state.tasks[tid].depends_on, *state.tasks[tid].after])
    return found


def _opinion(config: Mapping[str, Any], store: Store) -> Check | None:
    """The model's opinion as one rubric item, when a model is configured."""
    llm = config.get("llm") or {}
    if not llm or llm.get("backend", "offline") == "offline":
        return None
    from petri.agents.models_llm import model_factory, rate_diff

    model = model_factory(config, store, str(config.get("run_id", "")))
    return model_opinion(lambda diff: rate_diff(model, diff))
