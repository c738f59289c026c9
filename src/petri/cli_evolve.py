"""``petri evolve``, ``status``, ``resume``, ``report`` and ``export``: runs and their results."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from petri.cli_common import petri_errors, warn

RunName = Annotated[
    str,
    typer.Argument(help="Run id (or a unique prefix of it).", metavar="RUN", show_default=False),
]
AsJson = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]
Workers = Annotated[
    int | None,
    typer.Option("--workers", "-w", min=0, help="Local evaluation processes (0: remote only)."),
]


def register(app: typer.Typer) -> None:
    """Add the run commands to the ``petri`` app."""
    app.command("evolve")(evolve_command)
    app.command("status")(status_command)
    app.command("resume")(resume_command)
    app.command("report")(report_command)
    app.command("export")(export_command)


def evolve_command(
    problem: Annotated[
        Path,
        typer.Argument(help="PROBLEM folder to repair or improve.", metavar="PROBLEM"),
    ],
    *,
    seed: Annotated[int | None, typer.Option(min=0, help="Seed of the run (default 0).")] = None,
    max_evals: Annotated[
        int | None, typer.Option("--max-evals", min=1, help="Evaluation budget (default 2000).")
    ] = None,
    time_limit: Annotated[
        float | None, typer.Option("--time-limit", min=0, help="Wall-time budget in seconds.")
    ] = None,
    workers: Workers = None,
    out: Annotated[
        Path | None, typer.Option(help="Output folder (default PROBLEM/.petri/runs/RUN).")
    ] = None,
    operators: Annotated[
        str | None,
        typer.Option(help="all (default), statements (classic edits only) or NAME,NAME,..."),
    ] = None,
    donors: Annotated[
        Path | None,
        typer.Option(
            help="Folder of other solutions of the task: their functions lend code to repairs."
        ),
    ] = None,
    store: Annotated[str | None, typer.Option(help="Event store URL (default SQLite).")] = None,
    broker: Annotated[str | None, typer.Option(help="Task queue URL (default SQLite).")] = None,
    as_json: AsJson = False,
) -> None:
    """Repair or improve a program: evolve candidates in the sandbox, write the best and a patch."""
    from petri.config import load_settings
    from petri.evolve.run import start_run
    from petri.problem import load_problem

    err = Console(stderr=True)
    with petri_errors(err):
        loaded = load_problem(problem)
        for note in loaded.notes:
            warn(err, note)
        wanted = {
            "seed": seed,
            "max_evals": max_evals,
            "time_limit_s": time_limit,
            "workers": workers,
            "operators": operators,
            "donors": None if donors is None else str(donors.resolve()),
        }
        evolve = {k: v for k, v in wanted.items() if v is not None}
        settings = load_settings(loaded.root, evolve=evolve)
        with _progress(err, settings.evolve.max_evals, quiet=as_json) as show:
            summary = start_run(
                loaded, settings, out=out, store_url=store, broker_url=broker, progress=show
            )
    _print_summary(summary, as_json)


def resume_command(
    run: RunName,
    workers: Workers = None,
    max_tokens: Annotated[
        int | None, typer.Option("--max-tokens", min=1, help="Swarm runs: a new token budget.")
    ] = None,
    max_cost: Annotated[
        float | None, typer.Option("--max-cost", min=0, help="Swarm runs: a new cost budget.")
    ] = None,
    as_json: AsJson = False,
) -> None:
    """Continue a run that was stopped or killed, from its recorded events.

    Swarm and ecosystem runs stopped by `petri stop` (or a spent budget) go on where they were.

    An evolve run stopped by `petri stop` is finished, its outputs written: it is not resumed.
    """
    from petri.config import load_settings
    from petri.evolve.run import resume_run
    from petri.runtime.runs import lookup

    err = Console(stderr=True)
    with petri_errors(err):
        home = load_settings().home
        if lookup(home, run).kind == "ecosystem":
            from petri.cli_ecosystem import ecosystem_progress
            from petri.cli_ecosystem import print_summary as print_ecosystem
            from petri.ecosystem.history import ecosystem_run, read_history
            from petri.ecosystem.run import resume_ecosystem

            ticks = int(read_history(ecosystem_run(home, run)).started["settings"]["ticks"])
            with ecosystem_progress(err, ticks, quiet=as_json) as tick:
                found = resume_ecosystem(home, run, workers=workers or None, progress=tick)
            print_ecosystem(found, as_json)
            return
        if lookup(home, run).kind == "swarm":
            from petri.agents.run import resume_swarm
            from petri.cli_swarm import _progress as swarm_progress
            from petri.cli_swarm import print_summary

            budget = {"max_tokens": max_tokens, "max_cost": max_cost}
            with swarm_progress(err, quiet=as_json) as show:
                summary = resume_swarm(home, run, workers=workers, budget=budget, progress=show)
            print_summary(summary, as_json)
            return
        with _progress(err, 0, quiet=as_json) as show:
            summary = resume_run(home, run, workers=workers, progress=show)
    _print_summary(summary, as_json)


def status_command(
    run: Annotated[
        str | None, typer.Argument(help="Run id or prefix; omit to list recent runs.")
    ] = None,
    as_json: AsJson = False,
) -> None:
    """List recent runs, or show one run: its status and best objectives, or its task graph."""
    from petri.config import load_settings
    from petri.evolve.status import describe, listing
    from petri.runtime.runs import lookup

    with petri_errors(Console(stderr=True)):
        home = load_settings().home
        if run is not None and lookup(home, run).kind == "swarm":
            _swarm_status(lookup(home, run), as_json)
            return
        if run is not None and lookup(home, run).kind == "ecosystem":
            from petri.ecosystem.history import read_history

            rows = [read_history(lookup(home, run)).row()]
        else:
            rows = listing(home) if run is None else [describe(home, run)]
    if as_json:
        typer.echo(json.dumps(rows if run is None else rows[0]))
        return
    if not rows:
        Console().print("no runs yet: start one with `petri evolve PROBLEM`")
        return
    table = Table(*rows[0].keys(), header_style="bold")
    for row in rows:
        table.add_row(*(_cell(v) for v in row.values()))
    Console().print(table)


def _swarm_status(info: Any, as_json: bool) -> None:
    from petri.agents.show import graph_table
    from petri.agents.status import describe as describe_swarm

    found = describe_swarm(info)
    if as_json:
        typer.echo(json.dumps(found, default=str))
        return
    out = Console(highlight=False)
    grid = Table.grid(padding=(0, 2))
    for key in ("run", "problem", "status", "started", "out"):
        grid.add_row(key, str(found[key]))
    workers = ", ".join(f"{w} ({' '.join(c)})" for w, c in found["workers"].items())
    grid.add_row("workers", workers or "none yet")
    out.print(grid)
    out.print(graph_table(found["tasks"]))


def report_command(
    run: RunName,
    out: Annotated[Path | None, typer.Option(help="HTML file (default OUT/report.html).")] = None,
) -> None:
    """Render a run as one HTML page: objective curves, Pareto front, lineage and patch."""
    from petri.config import load_settings
    from petri.evolve.status import run_state

    with petri_errors(Console(stderr=True)):
        from petri.evolve.report import render_report
        from petri.runtime.runs import lookup

        home = load_settings().home
        if lookup(home, run).kind == "ecosystem":
            from petri.ecosystem.history import read_history
            from petri.ecosystem.report import render_ecosystem_report

            history = read_history(lookup(home, run))
            path = render_ecosystem_report(history, out or Path(history.info.out) / "report.html")
            typer.echo(str(path))
            return
        info, state = run_state(home, run)
        path = render_report(state, out or Path(info.out) / "report.html")
    typer.echo(str(path))


def export_command(
    run: RunName,
    git: Annotated[
        bool,
        typer.Option(
            "--git",
            help="Commit on a new branch: the best program, or (swarm) one commit per change.",
        ),
    ],
    branch: Annotated[str | None, typer.Option(help="Branch name (default petri/RUN).")] = None,
) -> None:
    """Export a run's result: ``--git`` puts it on a new branch of its repository."""
    from petri.config import load_settings
    from petri.evolve.status import export_git
    from petri.runtime.runs import lookup

    with petri_errors(Console(stderr=True)):
        if not git:
            from petri.errors import ConfigError

            raise ConfigError("say where to export: --git (a new branch of the repository)")
        home = load_settings().home
        if lookup(home, run).kind == "swarm":
            from petri.agents.repo.export import export_swarm_git

            result = export_swarm_git(home, run, branch)
        else:
            result = export_git(home, run, branch)
    typer.echo(f"branch {result.branch} at {result.commit[:12]} in {result.repo_root}")


@contextmanager
def _progress(err: Console, total: int, *, quiet: bool) -> Iterator[Callable[[Any], None]]:
    bar = Progress(
        TextColumn("[bold]gen {task.fields[gen]}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("evals  best {task.fields[best]}"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=quiet,
    )
    task = bar.add_task("evolve", total=total or None, gen=0, best="-")

    def show(p: Any) -> None:
        best = "  ".join(f"{k}={v:g}" for k, v in p.best.items())
        bar.update(task, completed=p.evaluations, total=p.max_evals, gen=p.generation, best=best)

    with bar:
        yield show


def _print_summary(summary: dict[str, Any], as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(summary))
        return
    out = Console()
    grid = Table.grid(padding=(0, 2))
    grid.add_row("run", summary["run_id"])
    grid.add_row("status", f"[bold]{summary['status']}[/]")
    objectives = "  ".join(f"{k}={v:g}" for k, v in summary["best"]["objectives"].items())
    grid.add_row("best", objectives)
    grid.add_row("evaluations", str(summary["evaluations"]))
    grid.add_row("duration", f"{summary['duration_s']:.1f} s")
    grid.add_row("output", summary["out"])
    out.print(grid)
    if summary["patch"]:
        out.print(_diff_text(summary["patch"]), soft_wrap=True)
    else:
        out.print("no change to the program")
    if summary.get("shadow"):
        print_shadow(out, summary["shadow"])


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def print_shadow(out: Console, shadow: dict[str, Any]) -> None:
    """The shadow test's evidence: one line per plausible patch, then where they differ."""
    out.print(
        f"shadow test: {shadow['inputs']} new inputs ({shadow['trusted']} near passing tests) "
        f"on the original and {len(shadow['patches'])} plausible patch(es)",
        highlight=False,
    )
    if shadow["note"]:
        out.print(f"  {shadow['note']}", highlight=False, markup=False)
    for p in shadow["patches"]:
        mark = "chosen" if p["chosen"] else "      "
        counts = f"crashes {p['crashes']}  hangs {p['hangs']}  divergences {p['divergences']}"
        counts += f"  violations {p.get('violations', 0)}  changes {p['changes']}"
        added = [
            ln[1:].strip() for ln in p["patch"].splitlines() if ln[:1] == "+" and ln[:3] != "+++"
        ]
        first = f"  {added[0]}" + (" ..." if len(added) > 1 else "") if added else ""
        size = f"  ({_count(p.get('lines', 0), 'line')}, {_count(p.get('tokens', 0), 'token')})"
        out.print(f"  {mark} {p['id']}{first}{size}", highlight=False, markup=False)
        out.print(f"           {counts}", highlight=False)
        for d in p["differences"]:
            line = f"{d['kind']}: {d['function']}{d['input']}: original {d['original']}, "
            line += f"patch {d['patch']}"
            if d.get("breaks"):
                line += f" (breaks: {d['breaks']})"
            out.print(f"           {line}", highlight=False, markup=False, soft_wrap=True)


def _diff_text(patch: str) -> Text:
    """The patch, coloured by line and never cropped to the terminal's width."""
    text = Text()
    for line in patch.splitlines(keepends=True):
        style = "bold" if line.startswith(("---", "+++")) else ""
        if not style:
            style = {"+": "green", "-": "red", "@": "cyan"}.get(line[:1], "")
        text.append(line, style=style)
    return text


def _cell(value: object) -> str:
    if isinstance(value, dict):
        return "  ".join(f"{k}={v:g}" for k, v in value.items())
    return str(value)
