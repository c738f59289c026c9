"""Read a goal file (GOAL.toml): validated, with one-line errors that name the key and the fix."""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import ValidationError

from petri.agents.models import Goal
from petri.errors import GoalError

#: Largest goal file petri reads.
MAX_GOAL_BYTES = 1 << 20


def load_goal(path: Path | str) -> Goal:
    """The goal in ``path``; ``GoalError`` for a missing, binary, huge or invalid file."""
    path = Path(path)
    if not path.is_file():
        raise GoalError(f"goal file {path}: does not exist; pass a GOAL.toml")
    if path.stat().st_size > MAX_GOAL_BYTES:
        raise GoalError(f"goal file {path}: larger than 1 MiB; a goal is a short TOML file")
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
        raw = tomllib.loads(text)
    except UnicodeDecodeError as exc:
        raise GoalError(
            f"goal file {path}: not UTF-8 text ({exc.reason}); save it as UTF-8"
        ) from exc
    except tomllib.TOMLDecodeError as exc:
        raise GoalError(f"goal file {path}: not valid TOML ({exc}); fix the syntax") from exc
    try:
        return Goal.model_validate(raw)
    except ValidationError as exc:
        raise GoalError(f"goal file {path}: {describe(exc)}") from exc


def describe(exc: ValidationError) -> str:
    """The first validation error as ``where: what; fix``."""
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"]) or "the file"
    if err["type"] == "extra_forbidden":
        allowed = _allowed(err["loc"])
        return f"unknown key {where!r}; remove it (allowed here: {allowed})"
    if err["type"] == "missing":
        return f"{where!r} is required; add it"
    return f"{where!r}: {err['msg']}; fix the value"


def _allowed(loc: tuple[int | str, ...]) -> str:
    from petri.agents.models import TaskSpec

    model = TaskSpec if len(loc) > 1 and loc[0] == "tasks" else Goal
    return ", ".join(model.model_fields)
