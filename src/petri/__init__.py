"""petri: a colony of software agents that evolves Python programs safely.

The public API is what ``__all__`` lists; everything else may change without notice. Names are
resolved lazily (PEP 562): the sandbox's jailed workers import this package, and every module
they load makes each per-candidate fork slower.
"""

from __future__ import annotations

import importlib

TYPE_CHECKING = False  # typing stays out of the jailed worker (see sandbox.harness)
if TYPE_CHECKING:
    from typing import Any

    from petri.config import EvolveSettings, Limits, SandboxSettings, Settings, load_settings
    from petri.errors import (
        AgentError,
        BackendError,
        BudgetExhausted,
        ConfigError,
        GoalError,
        IntegrationError,
        JailUnavailable,
        JudgeError,
        MissingDriver,
        ModelError,
        ModelOutputError,
        PermissionDenied,
        PetriError,
        ProblemError,
        ProblemNotFound,
        ProgramError,
        RepositoryError,
        ReviewError,
        SandboxError,
        StateConflict,
        TaskNotFound,
        ToolError,
        WorkerLost,
    )
    from petri.problem import Problem, init_problem, load_problem
    from petri.sandbox.outcome import Evaluation, Status, TestOutcome, TestResult

__all__ = [
    "AgentError",
    "BackendError",
    "BudgetExhausted",
    "ConfigError",
    "Evaluation",
    "EvolveSettings",
    "GoalError",
    "IntegrationError",
    "JailUnavailable",
    "JudgeError",
    "Limits",
    "MissingDriver",
    "ModelError",
    "ModelOutputError",
    "PermissionDenied",
    "PetriError",
    "Problem",
    "ProblemError",
    "ProblemNotFound",
    "ProgramError",
    "RepositoryError",
    "ReviewError",
    "SandboxError",
    "SandboxSettings",
    "Settings",
    "StateConflict",
    "Status",
    "TaskNotFound",
    "TestOutcome",
    "TestResult",
    "ToolError",
    "WorkerLost",
    "__version__",
    "init_problem",
    "load_problem",
    "load_settings",
]

_WHERE = {
    "EvolveSettings": "petri.config",
    "Limits": "petri.config",
    "SandboxSettings": "petri.config",
    "Settings": "petri.config",
    "load_settings": "petri.config",
    "BackendError": "petri.errors",
    "ConfigError": "petri.errors",
    "IntegrationError": "petri.errors",
    "JailUnavailable": "petri.errors",
    "JudgeError": "petri.errors",
    "MissingDriver": "petri.errors",
    "PetriError": "petri.errors",
    "ProblemError": "petri.errors",
    "ProblemNotFound": "petri.errors",
    "ProgramError": "petri.errors",
    "SandboxError": "petri.errors",
    "StateConflict": "petri.errors",
    "TaskNotFound": "petri.errors",
    "WorkerLost": "petri.errors",
    "AgentError": "petri.errors",
    "BudgetExhausted": "petri.errors",
    "GoalError": "petri.errors",
    "ModelError": "petri.errors",
    "ModelOutputError": "petri.errors",
    "PermissionDenied": "petri.errors",
    "RepositoryError": "petri.errors",
    "ReviewError": "petri.errors",
    "ToolError": "petri.errors",
    "Problem": "petri.problem",
    "init_problem": "petri.problem",
    "load_problem": "petri.problem",
    "Evaluation": "petri.sandbox.outcome",
    "Status": "petri.sandbox.outcome",
    "TestOutcome": "petri.sandbox.outcome",
    "TestResult": "petri.sandbox.outcome",
}


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("petridish")
        except PackageNotFoundError:  # a source tree that was never installed
            return "0+unknown"
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'petri' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
