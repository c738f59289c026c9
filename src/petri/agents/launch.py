"""What ``petri swarm [MODE] TARGET`` does: read the target, settle the settings, start the run."""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from petri.agents.run import ProgressFn, start_swarm
from petri.config import Settings, load_settings
from petri.errors import ConfigError, GoalError

MODES = ("repair", "improve")


def launch(
    target: Sequence[str], options: Mapping[str, Any], *, progress: ProgressFn = lambda _: None
) -> dict[str, Any]:
    """Start the swarm ``target`` names: ``repair REPO``, ``improve REPO`` or ``GOAL.toml``."""
    if len(target) == 2 and target[0] in MODES:
        return _repository(target[0], Path(target[1]), options, progress)
    if len(target) == 1 and target[0] not in MODES:
        return _goal(Path(target[0]), options, progress)
    raise ConfigError(
        "say what to run: petri swarm repair REPO, petri swarm improve REPO or petri swarm "
        "GOAL.toml"
    )


def _settings(root: Path, options: Mapping[str, Any], extra: Mapping[str, Any]) -> Settings:
    swarm = {k: options.get(k) for k in ("seed", "workers", "task_evals")}
    swarm = {k: v for k, v in {**swarm, **extra}.items() if v is not None}
    return load_settings(root, swarm=swarm)


def _common(options: Mapping[str, Any], settings: Settings) -> dict[str, Any]:
    """Model and budget: the CLI's options over petri.toml and PETRI_LLM__* settings."""
    chosen = {k: v for k, v in dict(options.get("llm") or {}).items() if v is not None}
    budget = {k: v for k, v in dict(options.get("budget") or {}).items() if v is not None}
    config: dict[str, Any] = {"budget": budget}
    try:
        llm = settings.llm.model_validate({**settings.llm.model_dump(), **chosen})
    except ValueError as exc:
        raise ConfigError(f"invalid model setting: {exc}".splitlines()[0]) from exc
    if llm.backend != "offline":
        config["llm"] = llm.model_dump(mode="json")
    return config


def _goal(path: Path, options: Mapping[str, Any], progress: ProgressFn) -> dict[str, Any]:
    from petri.agents.general import check_goal, config_for, no_plan
    from petri.agents.goal import load_goal

    if path.is_dir():
        raise GoalError(f"{path} is a folder; to repair it run: petri swarm repair {path}")
    goal = load_goal(path)
    folder = str(path.resolve().parent)
    if folder not in sys.path:
        sys.path.insert(0, folder)  # the goal's own modules sit beside it
    modules = list(dict.fromkeys([*goal.agents, *(options.get("agents") or [])]))
    check_goal(goal, modules)
    settings = _settings(path.resolve().parent, options, goal.swarm)
    config = {
        **config_for(goal, path.resolve(), list(options.get("agents") or []), settings.swarm.seed),
        **_common(options, settings),
    }
    if not (goal.tasks or goal.planner or "llm" in config):
        raise no_plan(goal)
    return _start(path.resolve().parent, config, settings, options, progress)


def _repository(
    mode: str, path: Path, options: Mapping[str, Any], progress: ProgressFn
) -> dict[str, Any]:
    from petri.agents.repo.layout import discover

    layout = discover(path, holdout=options.get("holdout"))
    settings = _settings(layout.root, options, {})
    config = {
        "mode": mode,
        "repo": layout.to_json(),
        "seed": settings.swarm.seed,
        "agents": [],
        "limits": settings.limits.model_dump(),
        "sandbox": settings.sandbox.model_dump(),
        **_common(options, settings),
    }
    return _start(layout.root, config, settings, options, progress)


def _start(
    root: Path,
    config: dict[str, Any],
    settings: Settings,
    options: Mapping[str, Any],
    progress: ProgressFn,
) -> dict[str, Any]:
    return start_swarm(
        root,
        config,
        settings,
        out=options.get("out"),
        store_url=options.get("store"),
        broker_url=options.get("broker"),
        progress=progress,
    )
