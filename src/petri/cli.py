"""The ``petri`` command: parse, call one function, turn petri's errors into exit codes.

Domain errors become messages only here: one line on stderr, no traceback. Exit codes: 0 the
command ran (an evaluation ran, whatever its outcome), 1 another petri error, 2 a bad problem,
setting or usage, 3 the sandbox failed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from petri import __version__, cli_dashboard, cli_ecosystem, cli_evolve, cli_stop, cli_swarm
from petri.cli_common import petri_errors as _petri_errors
from petri.cli_common import warn as _warn
from petri.cli_gists import gists_app
from petri.problem import Problem, init_problem, load_problem
from petri.sandbox.outcome import Evaluation, Status, TestOutcome

STATUS_STYLE = {Status.OK: "bold green", Status.FAILED: "bold red"}
OUTCOME_STYLE = {
    TestOutcome.PASSED: "green",
    TestOutcome.FAILED: "red",
    TestOutcome.ERROR: "red",
    TestOutcome.SKIPPED: "yellow",
    TestOutcome.TIMEOUT: "magenta",
}

app = typer.Typer(
    name="petri",
    help="petri evolves Python programs safely: every candidate runs in a sandbox.",
    rich_markup_mode="rich",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"petri {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_show_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """petri evolves Python programs safely: every candidate runs in a sandbox."""


@app.command("eval")
def eval_command(
    problem: Annotated[
        Path,
        typer.Argument(
            help="PROBLEM folder: a program plus tests/ (pytest) or evaluate.py.",
            metavar="PROBLEM",
            show_default=False,
        ),
    ],
    program: Annotated[
        Path | None,
        typer.Option(
            "--program",
            "-p",
            help="Judge this file instead: another version of the problem's program.",
            metavar="FILE",
            show_default=False,
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object instead of a table.")
    ] = False,
) -> None:
    """Evaluate a program against its judge in the sandbox and show each test's outcome.

    Timeouts start at limits.probe_timeout_s, growing only while tests keep timing out.
    """
    err = Console(stderr=True)
    with _petri_errors(err):
        loaded = load_problem(problem, program)
        for note in loaded.notes:
            _warn(err, note)
        evaluation = _evaluate(loaded, err)
    if as_json:
        typer.echo(json.dumps(evaluation.to_dict()))
    else:
        _show_evaluation(Console(), loaded, evaluation)


@app.command("init")
def init_command(
    name: Annotated[
        Path,
        typer.Argument(
            help="Folder to create (must not exist or be empty).",
            metavar="NAME",
            show_default=False,
        ),
    ],
) -> None:
    """Create a working PROBLEM folder: a program, its pytest suite and a petri.toml."""
    with _petri_errors(Console(stderr=True)):
        written = init_problem(name)
    out = Console(highlight=False)
    out.print(f"Created problem [bold]{name}[/]:", soft_wrap=True)
    for path in written:
        out.print(f"  {path.relative_to(name)}", markup=False)
    out.print(f"Next: [bold]petri eval {name}[/]", soft_wrap=True)


@app.command("worker")
def worker_command(
    *,
    broker: Annotated[
        str,
        typer.Option(
            "--broker",
            "-b",
            help="Queue URL to join: sqlite:///path, redis://host:port/db or nats://host:port.",
            envvar="PETRI_BROKER",
        ),
    ],
    handlers: Annotated[
        str,
        typer.Option(
            "--handlers",
            help="MODULE[:ATTR] holding a dict of task kind -> function (ATTR: HANDLERS); "
            "the default runs petri evolve's evaluations.",
        ),
    ] = "petri.evolve.tasks",
    concurrency: Annotated[
        int, typer.Option("--concurrency", "-c", min=1, help="Worker processes to run.")
    ] = 1,
    store: Annotated[
        str | None,
        typer.Option(help="Event store URL that receives task events (optional)."),
    ] = None,
    timeout: Annotated[
        float, typer.Option(min=0.1, help="Seconds a task may run before it is retried.")
    ] = 300.0,
    capabilities: Annotated[
        str | None,
        typer.Option(
            "--capabilities",
            help="Also run swarm tasks needing these capabilities, e.g. evolve,test,model.",
        ),
    ] = None,
) -> None:
    """Join a task queue from this machine and run its tasks until SIGTERM or Ctrl-C."""
    import os
    import sys

    from petri.runtime.admin import load_handlers, worker_main

    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())  # --handlers names a module of the current folder
    err = Console(stderr=True)
    with _petri_errors(err):
        table = load_handlers(handlers)
        if capabilities:
            from petri.agents.handler import swarm_handlers
            from petri.agents.models_llm import model_factory

            caps = [c.strip() for c in capabilities.split(",") if c.strip()]
            table.update(swarm_handlers(caps, model_factory))
        err.print(f"petri worker: {concurrency} process(es) on {broker} for {sorted(table)}")
        err.file.flush()  # before the supervisor forks: children must not inherit the buffer
        worker_main(broker, concurrency, table, store_url=store, timeout_s=timeout)


queue_app = typer.Typer(
    help="Inspect a task queue: counts per status, dead-lettered tasks, re-drive.",
    no_args_is_help=True,
)
app.add_typer(queue_app, name="queue")
app.add_typer(gists_app, name="gists")
Broker = Annotated[
    str,
    typer.Option(
        "--broker",
        "-b",
        help="Queue URL: sqlite:///path, redis://host:port/db or nats://host:port.",
        envvar="PETRI_BROKER",
    ),
]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


@queue_app.command("stats")
def queue_stats_command(broker: Broker, as_json: AsJson = False) -> None:
    """Count the queue's tasks per status."""
    from petri.runtime.admin import queue_stats

    with _petri_errors(Console(stderr=True)):
        counts = queue_stats(broker)
    _print_rows([{"status": k, "tasks": v} for k, v in counts.items()], as_json)


@queue_app.command("dead")
def queue_dead_command(
    broker: Broker,
    limit: Annotated[int, typer.Option(min=1, help="Show at most this many tasks.")] = 100,
    as_json: AsJson = False,
) -> None:
    """List dead-lettered tasks with their last error."""
    from petri.runtime.admin import dead_tasks

    with _petri_errors(Console(stderr=True)):
        rows = dead_tasks(broker, limit)
    if not as_json:  # tracebacks and payloads do not fit a table; --json has them
        rows = [{k: row[k] for k in ("id", "kind", "attempts", "error")} for row in rows]
    _print_rows(rows, as_json)


@queue_app.command("redrive")
def queue_redrive_command(
    broker: Broker,
    ids: Annotated[list[str], typer.Argument(help="Ids of dead tasks to run again.")],
) -> None:
    """Send dead tasks back to the queue with fresh attempts."""
    from petri.config import load_settings
    from petri.runtime.admin import redrive
    from petri.runtime.audit import default_store, local_user, record_at

    with _petri_errors(Console(stderr=True)):
        count = redrive(broker, ids)
        trail = default_store(load_settings().home)  # the dashboard's trail, in the petri home
        record_at(
            trail, "redrive", {"tasks": ids, "redriven": count, "broker": broker}, local_user()
        )
    typer.echo(f"re-driven {count} of {len(ids)} task(s)")


def _print_rows(rows: list[dict[str, object]], as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(rows, default=str))
        return
    if not rows:
        typer.echo("(none)")
        return
    table = Table(*rows[0].keys(), header_style="bold")
    for row in rows:
        table.add_row(*(str(v) for v in row.values()))
    Console().print(table)


cli_evolve.register(app)
cli_swarm.register(app)
cli_ecosystem.register(app)
cli_dashboard.register(app)
cli_stop.register(app)


def main() -> None:
    """Console-script entry point."""
    app(prog_name="petri")


def _evaluate(problem: Problem, err: Console) -> Evaluation:
    from petri.sandbox import WorkerPool  # the pool pulls in the jail; only `eval` needs it
    from petri.sandbox.probe import probe  # tests that loop forever cost little (see there)

    settings = problem.settings
    # One candidate needs one warm worker, whatever the pool size configured for evolution.
    sandbox = settings.sandbox.model_copy(update={"workers": 1})
    pool = WorkerPool(problem.judge_spec(), settings.limits, sandbox)
    try:
        with err.status("Warming up the sandbox..."):
            pool.start()
        if pool.warning:
            _warn(err, pool.warning)  # the jail's warning is shown on every run, never silently
        with err.status(f"Evaluating {problem.program_path.name}..."):
            return probe(pool, problem.source)
    finally:
        pool.close()


def _show_evaluation(out: Console, problem: Problem, ev: Evaluation) -> None:
    out.print(f"[bold]{problem.root.name}[/]: {problem.program_path}", highlight=False)
    if ev.tests:
        out.print(_test_table(ev))
        _show_failures(out, ev)
    if ev.metrics:
        metrics = Table("metric", "value", header_style="bold")
        for name, value in ev.metrics.items():
            metrics.add_row(name, f"{value:.6g}")
        out.print(metrics)
    if ev.artifacts:
        artifacts = Table("artifact", "value", header_style="bold")
        for name, text in ev.artifacts.items():
            artifacts.add_row(Text(name), Text(_first_lines(text)))
        out.print(artifacts)
    summary = Table.grid(padding=(0, 2))
    summary.add_row("status", Text(ev.status.value, style=STATUS_STYLE.get(ev.status, "yellow")))
    if ev.tests:
        summary.add_row("tests", f"{ev.passed} passed, {ev.failed} failed, {len(ev.tests)} total")
    summary.add_row("duration", _seconds(ev.duration_s))
    summary.add_row("peak memory", f"{ev.peak_memory_bytes / 2**20:.1f} MiB")
    summary.add_row("sandbox", ev.sandbox)
    if ev.message:
        summary.add_row("message", Text(ev.message))
    out.print(summary)


def _show_failures(out: Console, ev: Evaluation) -> None:
    """Each failing test's failure as pytest renders it (traceback, assertion diff)."""
    for test in ev.tests:
        if test.details:
            out.rule(Text(test.name, style="bold red"), align="left")
            out.print(Text(test.details), highlight=False)


def _test_table(ev: Evaluation) -> Table:
    # pytest node ids repeat their file: when there is only one, say it once, in the title.
    files = {t.name.partition("::")[0] for t in ev.tests}
    one_file = files.pop() if len(files) == 1 and all("::" in t.name for t in ev.tests) else None
    details = any(t.message for t in ev.tests)
    table = Table(title=one_file, header_style="bold", title_justify="left")
    table.add_column("test", overflow="fold")
    table.add_column("outcome")
    table.add_column("duration", justify="right")
    if details:
        table.add_column("detail", overflow="fold")
    for t in ev.tests:
        name = t.name.partition("::")[2] if one_file else t.name
        row = [Text(name), Text(t.outcome.value, style=OUTCOME_STYLE.get(t.outcome, ""))]
        row.append(Text(_seconds(t.duration_s)))
        if details:
            row.append(Text(t.message.strip().splitlines()[-1] if t.message.strip() else ""))
        table.add_row(*row)
    return table


def _first_lines(text: str, most: int = 5) -> str:
    """The first lines of an artifact: tables are for a glance; --json has the rest."""
    lines = text.strip().splitlines()
    return "\n".join(
        lines[:most] + ([f"... ({len(lines) - most} more lines)"] if len(lines) > most else [])
    )


def _seconds(value: float) -> str:
    return f"{value * 1000:.1f} ms" if value < 1 else f"{value:.2f} s"
