"""What a finished run leaves in its output folder, and the summary ``--json`` prints.

Files (each written to a temp file and renamed into place): the best program under the
program's own name, ``patch.diff`` (unified diff against the original), ``pareto.json`` (the
final front), ``lineage.json`` (the best program's ancestors back to the original) and
``summary.json``; ``shadow.json`` when the shadow test ran (its evidence, also in the summary).
"""

from __future__ import annotations

import json
from collections import deque
from pathlib import Path
from typing import Any

from petri.evolve.journal import RunState
from petri.program.edits import Original, diff
from petri.runtime.store.files import write_atomic


def patch(state: RunState, program_id: str) -> str:
    """The unified diff of program ``program_id`` against the run's original."""
    assert state.started is not None
    original = Original.parse(state.started.source)
    return diff(original, state.born[program_id].source, state.started.program)


def lineage(state: RunState, start: str) -> list[dict[str, Any]]:
    """``start`` and every ancestor, breadth first, each once."""
    out: list[dict[str, Any]] = []
    queue, seen = deque([start]), {start}
    while queue:
        pid = queue.popleft()
        born = state.born.get(pid)
        if born is None:
            continue
        record = state.records.get(pid)
        out.append(
            {
                "id": pid,
                "op": born.op,
                "generation": born.generation,
                "parents": list(born.parents),
                "edits": [e.to_json() for e in born.edits],
                "objectives": record.objectives if record else {},
            }
        )
        for parent in born.parents:
            if parent not in seen:
                seen.add(parent)
                queue.append(parent)
    return out


def front(state: RunState) -> list[dict[str, Any]]:
    """The last generation's Pareto front with objectives and edits."""
    last = state.last_generation
    ids = last.front if last is not None else []
    return [
        {
            "id": pid,
            "status": state.records[pid].status,
            "objectives": state.records[pid].objectives,
            "edits": [e.to_json() for e in state.born[pid].edits],
        }
        for pid in ids
        if pid in state.records
    ]


def shadow(state: RunState) -> dict[str, Any] | None:
    """The shadow test's evidence: the chosen patch, each alternative's departures from the
    original and the inputs on which they differ; None when it did not run."""
    tested = state.shadow
    if tested is None:
        return None
    patches = []
    for p in tested.patches:
        entry = {**p.model_dump(mode="json"), "chosen": p.id == tested.chosen}
        entry["patch"] = patch(state, p.id) if p.id in state.born else ""
        patches.append(entry)
    return {
        "mode": tested.mode,
        "chosen": tested.chosen,
        "recorded": tested.recorded,
        "inputs": tested.inputs,
        "trusted": tested.trusted,
        "note": tested.note,
        "patches": patches,
    }


def summary(state: RunState, out: Path, duration_s: float) -> dict[str, Any]:
    """The one JSON object of ``petri evolve --json``."""
    assert state.promoted is not None and state.started is not None
    best_id = state.promoted.id
    return {
        "run_id": state.run_id,
        "status": state.promoted.status,
        "best": {
            "id": best_id,
            "path": str(out / state.started.program),
            "objectives": state.records[best_id].objectives,
        },
        "patch": patch(state, best_id),
        "evaluations": state.evaluations,
        "generations": len(state.generations),
        "duration_s": round(duration_s, 3),
        "out": str(out),
        "shadow": shadow(state),
    }


def write_outputs(state: RunState, out: Path, duration_s: float) -> dict[str, Any]:
    """Write every output file; return the summary."""
    assert state.started is not None
    result = summary(state, out, duration_s)
    best = state.born[result["best"]["id"]]
    write_atomic(out / state.started.program, [best.source])
    write_atomic(out / "patch.diff", [result["patch"]])
    write_atomic(out / "pareto.json", [_json(front(state))])
    write_atomic(out / "lineage.json", [_json(lineage(state, best.id))])
    write_atomic(out / "summary.json", [_json(result)])
    if result["shadow"] is not None:
        write_atomic(out / "shadow.json", [_json(result["shadow"])])
    return result


def _json(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True) + "\n"
