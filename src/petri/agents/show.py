"""How a swarm run is printed: its summary, the task graph with states, and the combined patch."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

STATE_STYLE = {
    "promoted": "green",
    "done": "green",
    "review": "yellow",
    "rejected": "red",
    "failed": "bold red",
    "reverted": "magenta",
    "cancelled": "dim",
    "running": "cyan",
    "queued": "cyan",
}


def graph_table(rows: Sequence[dict[str, Any]]) -> Table:
    """The task graph: one row per task, in plan order, with what it waits for."""
    table = Table(header_style="bold", title="task graph", title_justify="left")
    for name in ("task", "state", "score", "needs", "after", "what"):
        table.add_column(name, overflow="fold", no_wrap=name in ("task", "state"))
    for row in rows:
        score = row.get("score")
        after = [*(row.get("depends_on") or []), *(row.get("after") or [])]
        table.add_row(
            row["task"],
            Text(row["state"], style=STATE_STYLE.get(row["state"], "")),
            "" if score is None else f"{float(score):.2f}",
            row["capability"],
            ", ".join(after) if len(after) <= 2 else f"{len(after)} tasks",
            row.get("title") or row["kind"],
        )
    return table


def show_summary(out: Console, summary: dict[str, Any]) -> None:
    grid = Table.grid(padding=(0, 2))
    grid.add_row("run", str(summary["run_id"]))
    grid.add_row("status", f"[bold]{summary['status']}[/]")
    counts = summary.get("tasks") or {}
    grid.add_row("tasks", "  ".join(f"{k} {v}" for k, v in counts.items() if v) or "none")
    grid.add_row("promoted", str(summary.get("promoted", 0)))
    if "duration_s" in summary:
        grid.add_row("duration", f"{summary['duration_s']:.1f} s")
    if summary.get("conflicts"):
        grid.add_row("conflicts", f"{summary['conflicts']} lost compare-and-set race(s), resolved")
    if summary.get("stopped"):
        grid.add_row("stopped", f"{summary['stopped']} (petri resume RUN --max-tokens N)")
    for reason in summary.get("gave_up") or []:
        grid.add_row("gave up", f"{reason.get('task')}: {reason.get('reason')}")
    if summary.get("holdout"):
        grid.add_row("holdout", str(summary["holdout"]))
    grid.add_row("output", str(summary.get("out", "")))
    out.print(grid)
    if summary.get("graph"):
        out.print(graph_table(summary["graph"]))
    if summary.get("waiting"):
        out.print("waiting for review: " + ", ".join(summary["waiting"]))
        out.print("  petri review  |  petri review approve ID  |  petri review reject ID --note")
    patch = Path(str(summary["patch"])) if summary.get("patch") else None
    if patch is not None and patch.is_file() and patch.stat().st_size:
        from petri.cli_evolve import _diff_text

        out.print(_diff_text(patch.read_text(encoding="utf-8")), soft_wrap=True)
    for name, entry in (summary.get("state") or {}).items():
        out.print(f"state {name} (version {entry['version']}): {entry['value']}")
