"""The result of judging one program for a search, and how it travels from worker to run.

A worker (``tasks.evaluate_task``) saves it in the run's store with a create-only put, so a
task re-run after a crash finds it there and writes nothing twice; the coordinator
(``evaluator.QueueEvaluator``) loads it from there. This module is the one place that knows
the key and the payload's shape.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from petri.errors import StateConflict
from petri.runtime.store import Store
from petri.sandbox.outcome import Evaluation, Status


@dataclass(frozen=True)
class Result:
    """One judged program as a search keeps it: the evaluation without the program's output
    or raw coverage (nobody reads them), and for the baseline each line's suspiciousness."""

    evaluation: Evaluation
    #: line number -> suspiciousness (Ochiai); only when the job asked for coverage
    suspiciousness: dict[int, float] = field(default_factory=dict)

    @classmethod
    def crashed(cls, message: str) -> Result:
        """The result of a program whose evaluation never reported (e.g. dead-lettered)."""
        return cls(Evaluation(Status.CRASHED, message=message))

    def to_json(self) -> dict[str, Any]:
        """``Evaluation.to_dict`` plus ``suspiciousness`` (line numbers as strings)."""
        data = self.evaluation.to_dict()
        if self.suspiciousness:
            data["suspiciousness"] = {str(k): v for k, v in sorted(self.suspiciousness.items())}
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Result:
        """Read what ``to_json`` wrote; ``KeyError``/``ValueError`` when it is not that."""
        raw = data.get("suspiciousness", {})
        return cls(
            Evaluation.from_dict(data),
            {int(k): float(v) for k, v in raw.items()},
        )


def result_key(run_id: str, program_id: str) -> str:
    """Where the result of ``program_id`` in run ``run_id`` is kept in the run's store."""
    return f"result:{run_id}:{program_id}"


def save_result(store: Store, run_id: str, program_id: str, result: Result) -> None:
    """Store a result once; a result already there (another attempt of the same task stored
    it first) is kept, as results are deterministic."""
    with contextlib.suppress(StateConflict):
        store.put(result_key(run_id, program_id), result.to_json(), 0)


def load_result(store: Store, run_id: str, program_id: str) -> Result | None:
    """The stored result of ``program_id``, or None when there is none yet."""
    value, _ = store.get(result_key(run_id, program_id))
    return Result.from_json(value) if isinstance(value, Mapping) else None
