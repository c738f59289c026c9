"""What a finished run leaves in its output folder, and the summary ``--json`` prints.

Files (each written to a temp file and renamed into place): the best program under the
program's own name, ``patch.diff`` (unified diff against the original), ``pareto.json`` (the
final front), ``lineage.json`` (the best program's ancestors back to the original) and
``summary.json``.
"""

from __future__ import annotations

import json
from collections import deque
from pathlib import Path
from typing import Any

from petri.evolve.journal import RunState
from petri.program.edits import Original, diff
from petri.runtime.store.files import write_atomic


def best_and_patch(state: RunState, program: str) -> tuple[str, str]:
    """(best program id, unified diff of it against the original)."""
    assert state.promoted is not None
    best = state.born[state.promoted["id"]]
    original = Original.parse(str(state.config["source"]))
    return best.id, diff(original, best.source, program)


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
    ids = state.generations[-1]["front"] if state.generations else []
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


def summary(state: RunState, out: Path, program: str, duration_s: float) -> dict[str, Any]:
    """The one JSON object of ``petri evolve --json``."""
    assert state.promoted is not None
    best_id, patch = best_and_patch(state, program)
    return {
        "run_id": state.run_id,
        "status": state.promoted["status"],
        "best": {
            "id": best_id,
            "path": str(out / program),
            "objectives": state.records[best_id].objectives,
        },
        "patch": patch,
        "evaluations": state.evaluations,
        "generations": len(state.generations),
        "duration_s": round(duration_s, 3),
        "out": str(out),
    }


def write_outputs(state: RunState, out: Path, program: str, duration_s: float) -> dict[str, Any]:
    """Write every output file; return the summary."""
    result = summary(state, out, program, duration_s)
    best = state.born[result["best"]["id"]]
    write_atomic(out / program, [best.source])
    write_atomic(out / "patch.diff", [result["patch"]])
    write_atomic(out / "pareto.json", [_json(front(state))])
    write_atomic(out / "lineage.json", [_json(lineage(state, best.id))])
    write_atomic(out / "summary.json", [_json(result)])
    return result


def _json(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True) + "\n"
