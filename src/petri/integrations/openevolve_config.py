"""The ``config.yaml`` of a public-format folder: what petri takes from it, what it ignores.

Taken, as the lowest layer of settings (``petri.toml``, ``PETRI_*`` variables and command-line
options all override it):

- ``max_iterations`` -> ``evolve.max_evals`` (an iteration judges one new program);
- ``random_seed`` -> ``evolve.seed``;
- ``early_stopping_metric`` -> ``evolve.objectives``: that metric, maximized (the format's
  metrics are all higher-is-better). Without it petri optimizes ``combined_score`` when the
  evaluator returns one, else every metric;
- ``evaluator.timeout`` -> ``limits.wall_time_s`` and ``limits.cpu_time_s`` of one evaluation;
- ``evaluator.cascade_evaluation`` and ``evaluator.cascade_thresholds``, read by the sandbox.

Every other key (the language model, prompt, database and logging sections, ...) is named in
one warning. Wrong types are a one-line ``ProblemError`` naming the key.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from petri.errors import ProblemError
from petri.integrations.openevolve import (
    CONFIG_FILE,
    EVALUATOR_FILE,
    MAX_CONFIG_BYTES,
    PROGRAM_FILE,
    cascade_settings,
    parse_yaml,
)

#: The keys petri reads (``section.key`` inside a section).
USED = (
    "max_iterations",
    "random_seed",
    "early_stopping_metric",
    "evaluator.timeout",
    "evaluator.cascade_evaluation",
    "evaluator.cascade_thresholds",
)


@dataclass(frozen=True)
class FormatConfig:
    """What a config.yaml says, as petri settings (a partial ``Settings`` dict)."""

    settings: dict[str, Any]
    ignored: tuple[str, ...] = ()

    def note(self) -> str | None:
        """The one warning line naming the keys petri ignores, or None."""
        if not self.ignored:
            return None
        return (
            f"{CONFIG_FILE}: petri ignores {', '.join(self.ignored)} (it reads {', '.join(USED)})"
        )


def is_format_folder(root: Path) -> bool:
    """True for a folder laid out in the public format: initial_program.py + evaluator.py."""
    return (root / PROGRAM_FILE).is_file() and (root / EVALUATOR_FILE).is_file()


def read_config(root: Path) -> FormatConfig:
    """The config.yaml of ``root`` (empty when there is none); ProblemError when unusable."""
    path = root / CONFIG_FILE
    if not path.is_file():
        return FormatConfig({})
    try:
        with path.open("rb") as file:
            data = file.read(MAX_CONFIG_BYTES + 1)
    except OSError as exc:
        raise ProblemError(f"{path}: cannot be read ({exc.strerror}); check the file") from exc
    try:
        config = parse_yaml(data)
        cascade_settings(config)
        settings = _settings(config)
    except ValueError as exc:
        raise ProblemError(f"{path}: {exc}; fix it or remove the key") from exc
    return FormatConfig(settings, _ignored(config))


def _settings(config: dict[str, Any]) -> dict[str, Any]:
    evolve: dict[str, Any] = {}
    limits: dict[str, Any] = {}
    iterations = config.get("max_iterations")
    if iterations is not None:
        evolve["max_evals"] = _whole(iterations, "max_iterations", 1)
    seed = config.get("random_seed")
    if seed is not None:
        evolve["seed"] = _whole(seed, "random_seed", 0)
    metric = config.get("early_stopping_metric")
    if metric is not None:
        if not isinstance(metric, str) or not metric.isidentifier():
            raise ValueError(f"early_stopping_metric must name a metric, got {metric!r}")
        evolve["objectives"] = [f"{metric}:max"]
    section = config.get("evaluator") or {}
    timeout = section.get("timeout")
    if timeout is not None:
        if not _positive(timeout):
            raise ValueError(f"evaluator.timeout must be a number of seconds > 0, got {timeout!r}")
        limits = {"wall_time_s": float(timeout), "cpu_time_s": math.ceil(timeout)}
    return {name: part for name, part in (("evolve", evolve), ("limits", limits)) if part}


def _whole(value: object, key: str, least: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise ValueError(f"{key} must be a whole number >= {least}, got {value!r}")
    return value


def _positive(value: object) -> bool:
    number = isinstance(value, int | float) and not isinstance(value, bool)
    return number and math.isfinite(value) and value > 0  # type: ignore[arg-type, operator]


def _ignored(config: dict[str, Any]) -> tuple[str, ...]:
    ignored: list[str] = []
    for key, value in config.items():
        name = str(key)
        if name == "evaluator" and isinstance(value, dict):
            ignored += [f"evaluator.{sub}" for sub in value if f"evaluator.{sub}" not in USED]
        elif name not in USED:
            ignored.append(name)
    return tuple(ignored)
