"""What a repository swarm leaves in its output folder, and the summary ``--json`` prints.

``patches/NN-TASK.diff``: one patch per promoted change (reverted ones left out), in promotion
order; ``patch.diff``: every change combined, against the repository as given; ``files/``: the
changed files as the repaired repository has them; ``graph.json``: the task graph with states
and scores; ``summary.json``. Every file is written to a temp file and renamed into place.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from petri.agents.journal import Promotion, SwarmState
from petri.agents.models import TaskState
from petri.agents.repo.diffs import unified
from petri.agents.repo.workspace import get_blob, materialize
from petri.agents.status import graph, run_status
from petri.runtime.runs import RunInfo
from petri.runtime.store import Store
from petri.runtime.store.files import write_atomic


def live_promotions(state: SwarmState) -> list[Promotion]:
    """Promotions that still stand: not reverted, and not themselves reverts."""
    return [p for p in state.promotions if not p.reverted and not p.task.startswith("revert:")]


def summarize(info: RunInfo, state: SwarmState, store: Store) -> dict[str, Any]:
    out = Path(info.out)
    digest = str(state.config.get("repo_digest", ""))
    original = materialize(store, digest, {}) if digest else None
    patches = _patches(state, store, original, out) if original is not None else []
    final = _final_files(state, store)
    combined = ""
    for rel, text in sorted(final.items()):
        before = (original / rel).read_text(encoding="utf-8") if original is not None else ""
        combined += unified(before, text, rel)
        write_atomic(out / "files" / rel, [text])
    write_atomic(out / "patch.diff", [combined])
    rows = graph(state)
    write_atomic(out / "graph.json", [json.dumps(rows, indent=2) + "\n"])
    summary = {
        "run_id": info.run_id,
        "status": run_status(state),
        "tasks": state.counts(),
        "duration_s": round(state.duration_s, 3),
        "promoted": len(live_promotions(state)),
        "patch": str(out / "patch.diff"),
        "patches": patches,
        "out": str(out),
        "holdout": _holdout(state),
        "waiting": [
            f"{info.run_id}:{r}"
            for r, req in state.reviews.items()
            if r not in state.decisions and _waits(state, req)
        ],
        "gave_up": state.gave_up,
        "stopped": (state.stopped or {}).get("reason"),
        "usage": state.usage,
        "graph": rows,
    }
    write_atomic(out / "summary.json", [json.dumps(summary, indent=2) + "\n"])
    return summary


def _patches(state: SwarmState, store: Store, original: Path, out: Path) -> list[str]:
    written = []
    for n, promotion in enumerate(live_promotions(state), start=1):
        rel = promotion.key.partition(":")[2]
        before = _text(store, promotion.before, original / rel)
        after = _text(store, promotion.value, original / rel)
        path = out / "patches" / f"{n:02d}-{promotion.task}.diff"
        write_atomic(path, [unified(before, after, rel)])
        written.append(str(path))
    return written


def _final_files(state: SwarmState, store: Store) -> dict[str, str]:
    """The changed files' final content: the last write of each file (reverts included)."""
    final = {}
    for key, value in state.values().items():
        if key.startswith("file:") and isinstance(value, dict) and value.get("blob"):
            final[key[5:]] = get_blob(store, str(value["blob"]))
    return final


def _text(store: Store, value: Any, fallback: Path) -> str:
    if isinstance(value, dict) and value.get("blob"):
        return get_blob(store, str(value["blob"]))
    return fallback.read_text(encoding="utf-8")


def _holdout(state: SwarmState) -> dict[str, int] | None:
    """Held-out tests passed / failed at the last check of the whole repository."""
    checks = [t for t in state.tasks.values() if t.kind == "check" and t.status is TaskState.DONE]
    for task in sorted(checks, key=lambda t: -t.order):
        result = state.results.get(task.queue_id, {})
        if "holdout_passed" in result:
            return {
                "passed": len(result["holdout_passed"]),
                "failed": len(result["holdout_failed"]),
            }
    return None


def _waits(state: SwarmState, request: dict[str, Any]) -> bool:
    task = state.tasks.get(str(request["task"]))
    return task is not None and task.status is TaskState.REVIEW
