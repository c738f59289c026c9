"""Settings: one validated model per subsystem, one source of defaults.

Values come from, highest first: keyword arguments, environment variables (prefix ``PETRI_``,
nested with ``__``, e.g. ``PETRI_LIMITS__MEMORY_MB=512``), the problem's ``petri.toml``, then the
defaults below. Every field carries a description; a test keeps them documented.
"""

from __future__ import annotations

import os
import tomllib
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from petri.errors import ConfigError
from petri.llm.settings import LlmSettings

CONFIG_FILE = "petri.toml"


class Limits(BaseModel):
    """Resource limits for one evaluation of one candidate."""

    model_config = ConfigDict(extra="forbid")

    test_timeout_s: float = Field(5.0, gt=0, description="Wall time one test may take.")
    probe_timeout_s: float = Field(
        0.25,
        ge=0,
        description=(
            "First per-test timeout of the original program's evaluation; tests that exceed it "
            "are retried with timeouts probe_growth times longer, up to test_timeout_s, while "
            "they keep timing out. 0: every test gets test_timeout_s at once."
        ),
    )
    probe_growth: float = Field(
        4.0, ge=1.5, le=100, description="Factor by which the probe's timeout grows per retry."
    )
    wall_time_s: float = Field(120.0, gt=0, description="Wall time of a whole evaluation.")
    cpu_time_s: int = Field(120, gt=0, description="CPU seconds of a whole evaluation.")
    memory_mb: int = Field(1024, ge=64, description="Address space of a candidate, in MiB.")
    processes: int = Field(64, ge=4, description="Processes and threads a candidate may run.")
    file_size_mb: int = Field(16, ge=1, description="Largest file a candidate may write, in MiB.")
    open_files: int = Field(256, ge=32, description="Open file descriptors per candidate process.")
    tmp_mb: int = Field(64, ge=1, description="Size of the candidate's private /tmp, in MiB.")
    output_kb: int = Field(64, ge=1, description="Captured stdout+stderr kept per evaluation, KiB.")


class SandboxSettings(BaseModel):
    """How candidates are jailed and how many warm workers run them."""

    model_config = ConfigDict(extra="forbid")

    jail: Literal["auto", "bwrap", "rlimits"] = Field(
        "auto",
        description="bwrap (bubblewrap jail), rlimits (limits only, loudly) or auto.",
    )
    workers: int = Field(2, ge=1, le=64, description="Warm worker processes in the pool.")
    uid: int = Field(
        61000,
        ge=1000,
        description="First unprivileged uid for jailed workers (each worker uses its own).",
    )


class EvolveSettings(BaseModel):
    """How ``petri evolve`` searches: population, budget, operators and objectives."""

    model_config = ConfigDict(extra="forbid")

    seed: int = Field(0, ge=0, description="Seed of the run's random generator.")
    max_evals: int = Field(2000, ge=1, description="Evaluations the run may spend in all.")
    time_limit_s: float = Field(0.0, ge=0, description="Wall-time budget in seconds; 0: none.")
    population: int = Field(24, ge=4, le=1000, description="Survivors kept per generation.")
    offspring: int = Field(24, ge=2, le=1000, description="Children bred per generation.")
    patience: int = Field(
        8, ge=1, description="Generations without a better front before the run stops."
    )
    crossover_rate: float = Field(
        0.3, ge=0, le=1, description="Share of children made by crossing two edit lists."
    )
    max_edits: int = Field(4, ge=1, le=32, description="Longest edit list a candidate may hold.")
    operators: str = Field(
        "all",
        description=(
            "all operators, statements (the classic statement-level edits only) or a "
            "comma-separated list of operator names."
        ),
    )
    localize: bool = Field(
        True, description="Draw edit sites by fault localization (Ochiai), not uniformly."
    )
    objectives: list[str] = Field(
        default_factory=list,
        description=(
            "Objectives as NAME or NAME:max|min (tests_passed, patch_size, complexity, runtime, "
            "lines or a metric of evaluate()); empty: tests_passed and patch_size for tests, "
            "the baseline's metrics for evaluate.py."
        ),
    )
    workers: int = Field(
        2, ge=0, le=64, description="Local evaluation processes; 0: only `petri worker`s."
    )
    repair_patience: int = Field(
        0,
        ge=0,
        description=(
            "Repair runs: stop once a partial repair's front has not changed for this many "
            "generations; 0: search until repaired or out of budget."
        ),
    )
    llm_every: int = Field(
        6,
        ge=1,
        description="With a model backend ([llm]): ask it for every k-th child of a generation "
        "(an llm_edit); offline, the default: never.",
    )
    llm_front: int = Field(
        2, ge=0, le=8, description="Members of the best front, besides the best, the model sees."
    )
    llm_max_tokens: int | None = Field(
        None, ge=1, description="Tokens the run's model calls may spend in all; empty: no limit."
    )
    llm_max_cost: float | None = Field(
        None, ge=0, description="USD the run's model calls may spend in all; empty: no limit."
    )
    llm: LlmSettings | None = Field(
        None,
        description="The backend the run asks: [llm] / PETRI_LLM__*, copied in when the run "
        "starts, so that a resumed run asks the same one (the key itself is never stored).",
    )
    donors: str = Field(
        "",
        description=(
            "Folder of other solutions of the task (.py files; relative to the problem): their "
            "functions lend statements and bodies to the program's functions of the same name."
        ),
    )
    shadow: bool = Field(
        True,
        description=(
            "Shadow-test plausible patches before promotion: run them beside the original on "
            "inputs the tests never tried (pytest problems)."
        ),
    )
    shadow_share: float = Field(
        0.25,
        ge=0,
        le=1,
        description=(
            "Repair runs: share of max_evals spent after the first repair on alternative "
            "plausible patches for the shadow test."
        ),
    )
    shadow_patches: int = Field(
        6, ge=1, le=64, description="Plausible patches the shadow test compares at most."
    )

    @field_validator("operators")
    @classmethod
    def _known_operators(cls, value: str) -> str:
        if value in ("all", "statements"):
            return value
        from petri.program.operators import OPERATORS

        names = [name.strip() for name in value.split(",")]
        unknown = [name for name in names if name not in OPERATORS]
        if unknown:
            raise ValueError(
                f"unknown operators {unknown}: use all, statements or names among "
                f"{', '.join(OPERATORS)}"
            )
        return ",".join(sorted(set(names)))

    def operator_names(self) -> list[str] | None:
        """The operators the search may use, in name order; None: every one."""
        from petri.program.operators import STATEMENT_OPS

        if self.operators == "all":
            return None
        if self.operators == "statements":
            return sorted(STATEMENT_OPS)
        return self.operators.split(",")


class SwarmSettings(BaseModel):
    """How ``petri swarm`` plans, retries, judges and routes results to a person."""

    model_config = ConfigDict(extra="forbid")

    seed: int = Field(0, ge=0, description="Seed of the run: every task's search derives from it.")
    workers: int = Field(
        2, ge=0, le=64, description="Local worker processes; 0: only `petri worker`s join."
    )
    approve_at: float = Field(
        0.9, ge=0, le=1, description="Judge score at or above which a result is promoted."
    )
    review_at: float = Field(
        0.7,
        ge=0,
        le=1,
        description="Judge score at or above which (and below approve_at) a person reviews it.",
    )
    retries: int = Field(3, ge=0, le=20, description="Retries of a failing task before FAILED.")
    retry_base_s: float = Field(
        2.0, gt=0, description="First retry delay; each next one doubles (2 s, 4 s, 8 s)."
    )
    retry_cap_s: float = Field(60.0, gt=0, description="Longest delay between two retries.")
    retry_jitter: float = Field(
        0.25, ge=0, le=1, description="Share of each retry delay drawn at random."
    )
    replans: int = Field(
        2,
        ge=0,
        le=10,
        description="Other strategies the planner tries for a rejected task (a repository "
        "repair first tries the other files its tests point at, then this many larger budgets).",
    )
    rounds: int = Field(
        6, ge=1, le=50, description="Analysis rounds of a repository swarm (masked bugs need more)."
    )
    task_evals: int = Field(
        1000, ge=10, description="Evaluation budget of one coder task's evolve search."
    )
    check_every: int = Field(
        1, ge=1, description="Promotions between two whole-suite consistency checks."
    )
    lease_s: float = Field(30.0, gt=0, description="Lease of a swarm task; workers heartbeat it.")
    task_timeout_s: float = Field(
        1800.0, gt=0, description="Longest a swarm task may run before it is retried elsewhere."
    )


class EcosystemSettings(BaseModel):
    """How ``petri ecosystem`` sets up its world (see ``petri.ecosystem``)."""

    model_config = ConfigDict(extra="forbid")

    seed: int = Field(
        0, ge=0, description="Seed of the world: every draw of every tick derives from it."
    )
    ticks: int = Field(500, ge=1, description="Ticks to run.")
    width: int = Field(64, ge=4, le=4096, description="Cells across the world (a torus).")
    height: int = Field(64, ge=4, le=4096, description="Cells down the world.")
    organisms: int = Field(1000, ge=1, le=2_000_000, description="Organisms at the start.")
    workers: int = Field(2, ge=1, le=64, description="Sandbox workers judging new genomes.")
    environment: str = Field("logic", description="What the world rewards: logic or lists.")
    signals: bool = Field(
        True, description="Quorum sensing: producers make the public good only where it is dense."
    )
    snapshot_every: int = Field(50, ge=1, description="Ticks between two snapshots of the world.")
    measure_every: int = Field(
        25, ge=1, description="Ticks between two open-endedness measurements (MODES)."
    )


def _default_home() -> Path:
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "petri"


class Settings(BaseSettings):
    """Everything a run can be configured with."""

    model_config = SettingsConfigDict(
        env_prefix="PETRI_", env_nested_delimiter="__", extra="forbid"
    )

    program: str | None = Field(
        None, description="Program file inside the problem folder (found when there is one)."
    )
    judge: Literal["auto", "tests", "evaluate", "openevolve"] = Field(
        "auto",
        description=(
            "tests (pytest suite in tests/), evaluate (evaluate.py), openevolve (evaluator.py "
            "of the public initial_program.py format) or auto."
        ),
    )
    limits: Limits = Field(default_factory=Limits, description="Per-evaluation limits.")
    home: Path = Field(
        default_factory=_default_home,
        description="Where petri keeps its index of runs (default $XDG_STATE_HOME/petri).",
    )
    sandbox: SandboxSettings = Field(
        default_factory=SandboxSettings, description="Jail and worker pool."
    )
    evolve: EvolveSettings = Field(
        default_factory=EvolveSettings, description="Search settings of petri evolve."
    )
    swarm: SwarmSettings = Field(
        default_factory=SwarmSettings, description="Planner, judge and retries of petri swarm."
    )
    llm: LlmSettings = Field(
        default_factory=LlmSettings,
        description="Model backend (optional): offline (default), openai or anthropic.",
    )
    ecosystem: EcosystemSettings = Field(
        default_factory=EcosystemSettings, description="World of petri ecosystem."
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, _TomlSource(settings_cls))


# The problem's petri.toml, read by load_settings() for the duration of one construction.
_TOML: ContextVar[dict[str, Any] | None] = ContextVar("petri_toml", default=None)


class _TomlSource(PydanticBaseSettingsSource):
    """The lowest-priority source: the problem's petri.toml."""

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return (_TOML.get() or {}).get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return dict(_TOML.get() or {})


def load_settings(problem_dir: Path | None = None, **overrides: Any) -> Settings:
    """Settings for a problem: what its config.yaml says (a public-format folder), its
    petri.toml (if any), the environment, then ``overrides``; each overrides the one before."""
    toml = read_toml(problem_dir / CONFIG_FILE) if problem_dir is not None else {}
    if problem_dir is not None:
        toml = _merged(_format_layer(problem_dir, toml), toml)
    token = _TOML.set(toml)
    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        raise ConfigError(_describe(exc, problem_dir)) from exc
    finally:
        _TOML.reset(token)


def _format_layer(problem_dir: Path, toml: dict[str, Any]) -> dict[str, Any]:
    """The settings a public-format folder's config.yaml gives (see integrations)."""
    from petri.integrations.openevolve_config import is_format_folder, read_config

    judge = toml.get("judge", "auto")
    if judge == "openevolve" or (judge == "auto" and is_format_folder(problem_dir)):
        return read_config(problem_dir).settings
    return {}


def _merged(low: dict[str, Any], high: dict[str, Any]) -> dict[str, Any]:
    """``high`` over ``low``, table by table."""
    merged = dict(low)
    for key, value in high.items():
        below = merged.get(key)
        if isinstance(value, dict) and isinstance(below, dict):
            merged[key] = _merged(below, value)
        else:
            merged[key] = value
    return merged


def read_toml(path: Path) -> dict[str, Any]:
    """The table in ``path``, or ``{}`` when the file does not exist."""
    if not path.is_file():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}); fix the file or remove it") from exc


def _describe(exc: ValidationError, problem_dir: Path | None) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"]) or "settings"
    source = f"{problem_dir / CONFIG_FILE} or PETRI_* environment" if problem_dir else "settings"
    env_name = "PETRI_" + where.upper().replace(".", "__")
    hint = f"set it in {source}" if env_name not in os.environ else f"fix {env_name}"
    return f"invalid setting {where!r}: {err['msg']}; {hint}"
