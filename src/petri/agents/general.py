"""A swarm run on a goal file: the user's agents, tools, rubric and (optionally) planner.

``petri swarm GOAL.toml --agents mypkg.agents``: the goal lists tasks (or names a planner that
makes them), ``--agents`` modules register ``@agent`` classes and ``@tool`` functions, and each
agent's ``rubric`` judges its kinds. Shared state objects start from the goal's ``[state]``.
The summary gives every shared object's final value and version.
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path
from typing import Any

from petri.agents.agent import AGENTS, load_modules
from petri.agents.journal import SwarmState
from petri.agents.models import Goal
from petri.agents.planning import GoalPlanner, Planner
from petri.agents.run import Mode
from petri.agents.shared import SharedState
from petri.agents.status import graph, run_status
from petri.errors import AgentError, GoalError, StateConflict
from petri.runtime.runs import RunInfo
from petri.runtime.store import Store
from petri.runtime.store.files import write_atomic


def config_for(goal: Goal, goal_path: Path, agents: list[str], seed: int) -> dict[str, Any]:
    """The recorded config of a new goal run."""
    modules = list(dict.fromkeys([*goal.agents, *agents]))
    return {
        "mode": "goal",
        "goal": goal.model_dump(mode="json"),
        "goal_path": str(goal_path),
        "agents": modules,
        "seed": seed,
    }


def build(config: dict[str, Any], store: Store) -> Mode:
    goal = Goal.model_validate(config["goal"])
    modules = list(config.get("agents", []))
    folder = str(Path(str(config.get("goal_path", "."))).parent)
    if folder not in sys.path:
        sys.path.insert(0, folder)  # the goal's own modules sit beside it
    check_goal(goal, modules)
    replans = int(config.get("swarm", {}).get("replans", 2))
    planner = _planner(goal, replans) if goal.tasks or goal.planner else _model(goal, config, store)
    _seed_state(store, config, goal)
    attach = getattr(planner, "attach", None)
    if callable(attach):  # a planner that needs the run's shared state (e.g. to start a service)
        attach(SharedState(store, str(config.get("run_id", ""))))
    return Mode(
        planner=planner,
        rubrics=AGENTS.rubrics(),
        summarize=summarize,
        agents=modules,
        rebase=lambda kind: AGENTS.for_kind(kind).rebase,
    )


def no_plan(goal: Goal) -> GoalError:
    """The error for a goal nothing can plan: no tasks, no planner, no model."""
    return GoalError(
        f"goal {goal.name!r} lists no [[tasks]] and names no planner: list its tasks, name "
        "a planner = 'module:Class', or give a model to plan it (--backend openai|anthropic)"
    )


def check_goal(goal: Goal, modules: list[str]) -> None:
    """Import the goal's agents and check every task names a kind one of them handles."""
    load_modules(modules)
    for kind in sorted({t.kind for t in goal.tasks}):
        try:
            AGENTS.for_kind(kind)
        except AgentError as exc:  # an unknown kind is a bad goal, found before anything runs
            raise GoalError(str(exc)) from exc


def _planner(goal: Goal, replans: int) -> Planner:
    if not goal.planner:
        return GoalPlanner(goal, replans)
    module_name, _, attr = goal.planner.partition(":")
    try:
        factory = getattr(importlib.import_module(module_name), attr or "Planner")
    except (ImportError, AttributeError) as exc:
        raise GoalError(
            f"planner {goal.planner!r} cannot be loaded ({exc}); name it as module:Class"
        ) from exc
    planner: Planner = factory(goal, replans)
    return planner


def _model(goal: Goal, config: dict[str, Any], store: Store) -> Planner:
    """A planner for a goal that only describes what it wants: the model plans it."""
    from petri.agents.model_planner import ModelPlanner
    from petri.agents.models_llm import model_factory

    model = model_factory(config, store, str(config.get("run_id", "")))
    if model is None:
        raise no_plan(goal)
    kinds = {kind: AGENTS.for_kind(kind).capability for kind in AGENTS.kinds()}
    if not kinds:
        raise GoalError("no agent is registered to plan for; pass --agents MODULE")
    replans = int(config.get("swarm", {}).get("replans", 2))
    return ModelPlanner(goal, replans, model, kinds)


def _seed_state(store: Store, config: dict[str, Any], goal: Goal) -> None:
    """Create the goal's initial shared objects once (a resumed run finds them there)."""
    run_id = str(config.get("run_id", ""))
    if not run_id:
        return
    shared = SharedState(store, run_id)
    for name, value in goal.state.items():
        try:
            shared.put(name, value, 0)
        except StateConflict:
            continue


def summarize(info: RunInfo, state: SwarmState, store: Store) -> dict[str, Any]:
    shared = SharedState(store, info.run_id)
    goal = Goal.model_validate(state.config.get("goal", {"name": "?"}))
    names = sorted({p.key for p in state.promotions} | set(goal.state))
    values = {}
    for name in names:
        value, version = shared.get(name)
        values[name] = {"value": value, "version": version}
    summary = {
        "run_id": info.run_id,
        "status": run_status(state),
        "tasks": state.counts(),
        "duration_s": round(state.duration_s, 3),
        "promoted": sum(not p.reverted for p in state.promotions),
        "state": values,
        "conflicts": len(state.conflicts),
        "gave_up": state.gave_up,
        "stopped": (state.stopped or {}).get("reason"),
        "usage": state.usage,
        "graph": graph(state),
        "out": info.out,
    }
    out = Path(info.out)
    write_atomic(out / "summary.json", [json.dumps(summary, indent=2, default=str) + "\n"])
    return summary
