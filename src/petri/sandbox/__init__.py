"""Run untrusted candidate programs: a jail, a warm worker pool and the harness inside it.

Names are imported lazily: the jailed worker imports this package too, and every module it
loads makes each per-candidate fork more expensive.
"""

from __future__ import annotations

import importlib

TYPE_CHECKING = False  # typing stays out of the jailed worker (see sandbox.harness)
if TYPE_CHECKING:
    from typing import Any

    from petri.sandbox.outcome import Evaluation, Status, TestOutcome, TestResult
    from petri.sandbox.pool import WorkerPool, evaluate_once
    from petri.sandbox.spec import JudgeSpec

_WHERE = {
    "Evaluation": "petri.sandbox.outcome",
    "Status": "petri.sandbox.outcome",
    "TestOutcome": "petri.sandbox.outcome",
    "TestResult": "petri.sandbox.outcome",
    "WorkerPool": "petri.sandbox.pool",
    "evaluate_once": "petri.sandbox.pool",
    "JudgeSpec": "petri.sandbox.spec",
}

__all__ = [
    "Evaluation",
    "JudgeSpec",
    "Status",
    "TestOutcome",
    "TestResult",
    "WorkerPool",
    "evaluate_once",
]


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'petri.sandbox' has no attribute {name!r}")
