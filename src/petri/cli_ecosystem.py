"""``petri ecosystem``: an open-ended world of code organisms (see ``petri.ecosystem``)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from petri.cli_common import petri_errors
from petri.errors import ConfigError

if TYPE_CHECKING:
    from petri.config import Settings

_SIZE = re.compile(r"^\s*(\d+)\s*[xX*\u00d7]\s*(\d+)\s*$")  # 128x96, 128*96 or 128\u00d796


def register(app: typer.Typer) -> None:
    app.command("ecosystem")(ecosystem_command)


def parse_size(text: str) -> tuple[int, int]:
    """``"128x96"`` as (width, height); ConfigError naming the form otherwise."""
    found = _SIZE.match(text)
    if not found:
        raise ConfigError(f"--size {text!r} is not WIDTHxHEIGHT; give e.g. --size 128x128")
    return int(found.group(1)), int(found.group(2))


def ecosystem_command(
    corpus: Annotated[
        Path | None,
        typer.Argument(
            help="Folder of Python files whose functions found the world (default: petri's "
            "bundled corpus).",
            metavar="CORPUS",
            show_default=False,
        ),
    ] = None,
    *,
    seed: Annotated[int | None, typer.Option(min=0, help="Seed of the world (default 0).")] = None,
    ticks: Annotated[int | None, typer.Option(min=1, help="Ticks to run (default 500).")] = None,
    size: Annotated[
        str | None, typer.Option(help="World size WIDTHxHEIGHT in cells (default 64x64).")
    ] = None,
    organisms: Annotated[
        int | None, typer.Option(min=1, help="Organisms at the start (default 1000).")
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option("--workers", "-w", min=1, help="Sandbox workers judging new genomes."),
    ] = None,
    env: Annotated[
        str | None,
        typer.Option("--environment", help="What the world rewards: logic (default) or lists."),
    ] = None,
    signals: Annotated[
        bool | None,
        typer.Option("--signals/--no-signals", help="Quorum sensing on (default) or off."),
    ] = None,
    store: Annotated[str | None, typer.Option(help="Event store URL (default SQLite).")] = None,
    out: Annotated[
        Path | None, typer.Option(help="Output folder (default ./.petri/ecosystem/RUN).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Run a world of code organisms: they eat what their code computes, reproduce with
    mutation and gene transfer, signal, form species and go extinct."""
    err = Console(stderr=True)
    with petri_errors(err):
        given: dict[str, object] = {"seed": seed, "ticks": ticks, "organisms": organisms}
        given |= {"workers": workers, "environment": env, "signals": signals}
        settings = ecosystem_settings(size, given)
        summary = run_ecosystem(corpus, settings, store=store, out=out, err=err, quiet=as_json)
    print_summary(summary, as_json)


def ecosystem_settings(size: str | None, given: Mapping[str, object]) -> Settings:
    """The settings with the options ``given`` on the command line over the config (None: not
    given); ConfigError for a malformed ``size``."""
    from petri.config import load_settings

    width, height = parse_size(size) if size is not None else (None, None)
    wanted = {**given, "width": width, "height": height}
    return load_settings(ecosystem={k: v for k, v in wanted.items() if v is not None})


def run_ecosystem(
    corpus: Path | None,
    settings: Settings,
    *,
    store: str | None,
    out: Path | None,
    err: Console,
    quiet: bool,
) -> dict[str, Any]:
    """Run a world founded on ``corpus`` (default: the bundled one) under a progress bar on
    ``err`` unless ``quiet``; its summary."""
    from petri.ecosystem.corpus import bundled_corpus
    from petri.ecosystem.run import start_ecosystem

    folder = corpus if corpus is not None else bundled_corpus()
    with ecosystem_progress(err, settings.ecosystem.ticks, quiet=quiet) as show:
        return start_ecosystem(folder, settings, out=out, store_url=store, progress=show)


@contextmanager
def ecosystem_progress(
    err: Console, total: int, *, quiet: bool
) -> Iterator[Callable[[dict[str, Any]], None]]:
    """A progress bar over ticks showing the population, species, tasks and births/deaths."""
    if quiet:
        yield lambda _: None
        return
    columns = (
        TextColumn("tick"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[line]}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task("ticks", total=total, line="")

        def show(tick: dict[str, Any]) -> None:
            line = (
                f"pop {tick['population']:,}  species {tick['species']}  tasks {tick['tasks']}"
                f"  +{tick['births']}/-{tick['deaths']}"
            )
            bar.update(task, completed=int(tick["tick"]), line=line)

        yield show


def print_summary(summary: dict[str, Any], as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(summary))
        return
    out = Console()
    table = Table(show_header=False, box=None)
    for key in ("run_id", "ticks", "population", "species", "tasks_performed", "genomes"):
        table.add_row(key.replace("_", " "), str(summary[key]))
    table.add_row("tasks", ", ".join(summary["tasks"]) or "none")
    table.add_row("genomes judged", str(summary["genomes_judged"]))
    table.add_row("duration", f"{summary['duration_s']:.1f} s")
    table.add_row("output", str(summary["out"]))
    out.print(table)
    out.print(f"report: petri report {summary['run_id']}")
