"""``petri swarm`` and ``petri review``: agent swarms on a repository or a goal, and the people
who approve what the judge was unsure of."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from petri.cli_common import petri_errors

SWARM_HELP = """Run an agent swarm: planner -> task graph -> workers -> judge -> promotion.

[bold]petri swarm repair REPO[/]   repair a repository's failing pytest suite, one file per task

[bold]petri swarm improve REPO[/]  improve a repository whose suite passes

[bold]petri swarm GOAL.toml[/]     run a general goal with your agents (--agents mypkg.agents)
"""


def register(app: typer.Typer) -> None:
    app.command("swarm", help=SWARM_HELP)(swarm_command)
    app.command("review")(review_command)


def swarm_command(
    target: Annotated[
        list[str],
        typer.Argument(help="repair REPO, improve REPO, or GOAL.toml.", metavar="[MODE] TARGET"),
    ],
    *,
    agents: Annotated[
        list[str] | None,
        typer.Option("--agents", help="Module of @agent classes, @tool functions and rubrics."),
    ] = None,
    seed: Annotated[int | None, typer.Option(min=0, help="Seed of the run (default 0).")] = None,
    workers: Annotated[
        int | None, typer.Option("--workers", "-w", min=0, help="Local worker processes.")
    ] = None,
    task_evals: Annotated[
        int | None, typer.Option("--task-evals", min=10, help="Evolve budget per coder task.")
    ] = None,
    holdout: Annotated[
        Path | None, typer.Option(help="Held-out tests the tester runs (default REPO/holdout).")
    ] = None,
    backend: Annotated[
        str | None, typer.Option(help="Model backend: offline (default), openai or anthropic.")
    ] = None,
    model: Annotated[str | None, typer.Option(help="Model name for the backend.")] = None,
    max_tokens: Annotated[
        int | None, typer.Option("--max-tokens", min=1, help="Stop the run at this many tokens.")
    ] = None,
    max_cost: Annotated[
        float | None, typer.Option("--max-cost", min=0, help="Stop the run at this cost (USD).")
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Output folder.")] = None,
    store: Annotated[str | None, typer.Option(help="Event store URL (default SQLite).")] = None,
    broker: Annotated[str | None, typer.Option(help="Task queue URL (default SQLite).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    from petri.agents.launch import launch

    err = Console(stderr=True)
    with petri_errors(err):
        options = {
            "agents": agents or [],
            "seed": seed,
            "workers": workers,
            "task_evals": task_evals,
            "holdout": holdout,
            "llm": {"backend": backend, "model": model},
            "budget": {"max_tokens": max_tokens, "max_cost": max_cost},
            "out": out,
            "store": store,
            "broker": broker,
        }
        with _progress(err, quiet=as_json) as show:
            summary = launch(target, options, progress=show)
    print_summary(summary, as_json)


def review_command(
    args: Annotated[
        list[str] | None,
        typer.Argument(
            help="[RUN] to list waiting results, or approve|reject ID.", metavar="[ACTION] [ID]"
        ),
    ] = None,
    note: Annotated[str, typer.Option("--note", help="Why, recorded with the decision.")] = "",
    who: Annotated[str | None, typer.Option(help="Who decides (default: your user).")] = None,
    no_resume: Annotated[
        bool, typer.Option("--no-resume", help="Record the decision only; resume later.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List results waiting for a person, or approve / reject one (the run then resumes)."""
    from petri.agents import review
    from petri.agents.run import resume_swarm
    from petri.config import load_settings
    from petri.errors import ReviewError

    err = Console(stderr=True)
    args = args or []
    with petri_errors(err):
        home = load_settings().home
        if args and args[0] in ("approve", "reject"):
            if len(args) != 2:
                raise ReviewError(f"say which result: petri review {args[0]} ID [--note TEXT]")
            match = review.decide(home, args[1], args[0], note, who)
            err.print(f"{args[0]}d {match.id}", highlight=False)
            if no_resume:
                return
            with _progress(err, quiet=as_json) as show:
                summary = resume_swarm(home, match.run.run_id, progress=show)
            print_summary(summary, as_json)
            return
        if len(args) > 1:
            raise ReviewError("petri review [RUN] lists; petri review approve|reject ID decides")
        rows = review.waiting(home, args[0] if args else None)
    _print_waiting(rows, as_json)


def _print_waiting(rows: list[Any], as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps([{"id": w.id, **w.request} for w in rows], default=str))
        return
    out = Console(highlight=False)
    if not rows:
        out.print("nothing is waiting for review")
        return
    for w in rows:
        r = w.request
        out.print(f"[bold]{w.id}[/]  {r.get('title', '')}  score {float(r['score']):.2f}")
        table = Table("check", "weight", "score", "evidence", header_style="bold")
        for check in r.get("checks", []):
            evidence = json.dumps(check.get("evidence", {}), default=str)
            table.add_row(check["name"], f"{check['weight']:g}", f"{check['score']:.2f}",
                          evidence[:300])  # fmt: skip
        out.print(table)
        if r.get("diff"):
            from petri.cli_evolve import _diff_text

            out.print(_diff_text(str(r["diff"])), soft_wrap=True)
        out.print(f"  petri review approve {w.id} --note '...'   |   petri review reject ...")


@contextmanager
def _progress(err: Console, *, quiet: bool) -> Iterator[Callable[[Any], None]]:
    bar = Progress(
        SpinnerColumn(),
        TextColumn("[bold]swarm[/] {task.fields[line]}"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=quiet,
    )
    task = bar.add_task("swarm", total=None, line="planning")

    def show(p: Any) -> None:
        live = {k: v for k, v in p.counts.items() if v}
        line = "  ".join(f"{k} {v}" for k, v in live.items())
        bar.update(task, line=f"{line}  promoted {p.promoted}")

    with bar:
        yield show


def print_summary(summary: dict[str, Any], as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(summary, default=str))
        return
    from petri.agents.show import show_summary

    show_summary(Console(highlight=False), summary)
