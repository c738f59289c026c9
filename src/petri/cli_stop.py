"""``petri stop RUN``: ask a running run to end cleanly, recorded in the audit trail."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from petri.cli_common import petri_errors


def register(app: typer.Typer) -> None:
    app.command("stop")(stop_command)


def stop_command(
    run: Annotated[
        str, typer.Argument(help="Run id or unique prefix.", metavar="RUN", show_default=False)
    ],
    reason: Annotated[
        str, typer.Option("--reason", "-r", help="Why, kept with the request and in the audit.")
    ] = "",
) -> None:
    """Ask a run to stop cleanly at its next boundary; `petri status` then shows stopped.

    evolve: after its current generation; its best so far is promoted as found, outputs written.

    A stopped evolve run is finished: `petri resume` refuses it. Start a new run instead.

    ecosystem (between two ticks) and swarm runs go on with `petri resume RUN`.

    The request is durable: a run that is not running now stops as soon as it resumes.
    """
    from petri.config import load_settings
    from petri.run_control import BOUNDARY, stop_run
    from petri.runtime.audit import default_store, local_user, record_at

    with petri_errors(Console(stderr=True)):
        home = load_settings().home
        info, _ = stop_run(home, run, local_user(), reason)
        details = {"run": info.run_id, "kind": info.kind, "reason": reason}
        record_at(default_store(home), "stop", details, local_user())
    when = BOUNDARY.get(info.kind, "at its next boundary")
    typer.echo(f"stop requested: {info.kind} run {info.run_id} stops {when}")
