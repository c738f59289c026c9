"""Problem folders in the format public evolution frameworks use, as the sandbox reads them.

Such a folder holds ``initial_program.py`` (what may change sits between ``# EVOLVE-BLOCK-START``
and ``# EVOLVE-BLOCK-END`` comment lines), ``evaluator.py`` with ``evaluate(program_path)`` and
optional cascade stages ``evaluate_stage1/2/3``, and an optional ``config.yaml``. Evaluators
import ``EvaluationResult`` from ``openevolve.evaluation_result``: where that package is not
installed, the jailed worker gets petri's compatible class under that name (``install_alias``),
before it imports ``evaluator.py``; the coordinator never imports either.

The jailed worker imports this module, so it imports only a few standard modules at the top;
yaml only when a ``config.yaml`` is read.
"""

from __future__ import annotations

import importlib.util
import math
import sys
import types

TYPE_CHECKING = False  # typing stays out of the jailed worker (see sandbox.harness)
if TYPE_CHECKING:
    from typing import Any

PROGRAM_FILE = "initial_program.py"
EVALUATOR_FILE = "evaluator.py"
CONFIG_FILE = "config.yaml"
#: The cascade stages, in the order they run.
STAGES = ("evaluate_stage1", "evaluate_stage2", "evaluate_stage3")
#: The format's defaults: cascade on, and the score each stage must reach to go on.
DEFAULT_CASCADE = True
DEFAULT_THRESHOLDS = (0.5, 0.75, 0.9)
#: Largest config.yaml petri reads; a configuration is a few kilobytes.
MAX_CONFIG_BYTES = 256 << 10


class EvaluationResult:
    """What an evaluator returns: numeric ``metrics`` and a side channel of ``artifacts``
    (text or bytes: logs, errors, profiles). Same constructor and methods as the public
    format's class, so evaluators written against it run unchanged."""

    __slots__ = ("artifacts", "metrics")

    def __init__(
        self, metrics: dict[str, float], artifacts: dict[str, str | bytes] | None = None
    ) -> None:
        self.metrics = metrics
        self.artifacts: dict[str, str | bytes] = {} if artifacts is None else artifacts

    @classmethod
    def from_dict(cls, metrics: dict[str, float]) -> EvaluationResult:
        """Wrap a plain metrics dict."""
        return cls(metrics)

    def to_dict(self) -> dict[str, float]:
        """The metrics alone."""
        return self.metrics

    def has_artifacts(self) -> bool:
        return bool(self.artifacts)

    def get_artifact_keys(self) -> list[str]:
        return list(self.artifacts)

    def get_artifact_size(self, key: str) -> int:
        """Size of one artifact in bytes (text counted as UTF-8); 0 when there is none."""
        if key not in self.artifacts:
            return 0
        value = self.artifacts[key]
        if isinstance(value, bytes):
            return len(value)
        return len(str(value).encode("utf-8"))

    def get_total_artifact_size(self) -> int:
        return sum(self.get_artifact_size(key) for key in self.artifacts)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, EvaluationResult):
            return NotImplemented
        return (self.metrics, self.artifacts) == (other.metrics, other.artifacts)

    __hash__ = None  # type: ignore[assignment]  # mutable, like the dataclass it stands for

    def __repr__(self) -> str:
        return f"EvaluationResult(metrics={self.metrics!r}, artifacts={self.artifacts!r})"


def install_alias() -> bool:
    """Make ``from openevolve.evaluation_result import EvaluationResult`` work with petri's
    class, unless a real ``openevolve`` package is importable; True when the alias was made."""
    if "openevolve" in sys.modules or importlib.util.find_spec("openevolve") is not None:
        return False
    package = types.ModuleType("openevolve", "petri's stand-in: only evaluation_result")
    package.__path__ = []  # a package, so its submodule can be imported by name
    module = types.ModuleType("openevolve.evaluation_result")
    module.EvaluationResult = EvaluationResult  # type: ignore[attr-defined]
    package.evaluation_result = module  # type: ignore[attr-defined]
    sys.modules["openevolve"] = package
    sys.modules["openevolve.evaluation_result"] = module
    return True


def parse_yaml(data: bytes) -> dict[str, Any]:
    """The mapping in a config.yaml's bytes; ValueError with a one-line reason otherwise."""
    import yaml  # only the format's problems pay for it

    if len(data) > MAX_CONFIG_BYTES:
        raise ValueError(f"{len(data)} bytes is too large (limit {MAX_CONFIG_BYTES >> 10} KiB)")
    if b"\0" in data:
        raise ValueError("binary (contains NUL bytes), not YAML")
    try:
        loaded = yaml.safe_load(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ValueError(f"not UTF-8 text ({exc.reason})") from exc
    except yaml.YAMLError as exc:
        raise ValueError(f"not valid YAML ({_yaml_problem(exc)})") from exc
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise ValueError(f"holds a {type(loaded).__name__}, not a mapping of settings")
    return loaded


def _yaml_problem(exc: Exception) -> str:
    problem = str(getattr(exc, "problem", "") or exc).strip().splitlines()[0]
    mark = getattr(exc, "problem_mark", None)
    return f"line {mark.line + 1}: {problem}" if mark is not None else problem


def cascade_settings(config: dict[str, Any]) -> tuple[bool, tuple[float, ...]]:
    """(cascade on, stage thresholds) from a config mapping's ``evaluator`` section, with the
    format's defaults; ValueError naming the key when one has the wrong type."""
    section = config.get("evaluator")
    if section is None:
        section = {}
    if not isinstance(section, dict):
        raise ValueError(f"evaluator must be a mapping, got {type(section).__name__}")
    enabled = section.get("cascade_evaluation", DEFAULT_CASCADE)
    if not isinstance(enabled, bool):
        raise ValueError(f"evaluator.cascade_evaluation must be true or false, got {enabled!r}")
    raw = section.get("cascade_thresholds", list(DEFAULT_THRESHOLDS))
    if not isinstance(raw, list) or not all(_is_number(t) for t in raw):
        raise ValueError(f"evaluator.cascade_thresholds must be a list of numbers, got {raw!r}")
    return enabled, tuple(float(t) for t in raw)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def stage_score(metrics: dict[str, float]) -> float | None:
    """The score a cascade stage is judged by: ``combined_score`` when given, else the mean of
    every metric but ``error``; None when there is nothing to judge by."""
    if "combined_score" in metrics:
        return metrics["combined_score"]
    values = [value for name, value in metrics.items() if name != "error"]
    return sum(values) / len(values) if values else None
