"""``petri dashboard``: a live web view of every run (see ``petri.web``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from petri.cli_common import petri_errors
from petri.errors import ConfigError


def register(app: typer.Typer) -> None:
    app.command("dashboard")(dashboard_command)


def dashboard_command(
    *,
    store: Annotated[
        str | None, typer.Option(help="Store URL of the audit trail (default SQLite in home).")
    ] = None,
    broker: Annotated[
        str | None,
        typer.Option(envvar="PETRI_BROKER", help="Queue URL whose tasks the queue view shows."),
    ] = None,
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8321,
    log_file: Annotated[
        Path | None,
        typer.Option("--log-file", help="Write JSON logs here (rotated at 10 MiB, 5 kept)."),
    ] = None,
    token: Annotated[
        str | None,
        typer.Option(
            envvar="PETRI_DASHBOARD_TOKEN",
            help="Token every request must carry (required beyond loopback; generated and "
            "printed once when not given).",
        ),
    ] = None,
) -> None:
    """Serve the dashboard: runs, their events live, a JSON API under /api and /metrics."""
    from petri.config import load_settings
    from petri.web.security import needs_token, new_token

    err = Console(stderr=True)
    with petri_errors(err):
        if token is not None and len(token) < 16:
            raise ConfigError("--token must be at least 16 characters; omit it to get one")
        if token is None and needs_token(host):
            token = new_token()
        home = load_settings().home
        if log_file is not None:
            from petri.web.logs import log_to

            log_to(log_file)
        address = f"http://{'localhost' if host in ('127.0.0.1', '::1') else host}:{port}/"
        where = f"{address}?token={token}" if token else address
        err.print(f"petri dashboard on {where} (Ctrl-C stops it)", markup=False, soft_wrap=True)
        serve(home, host, port, token, broker=broker, store=store)


def serve(
    home: Path,
    host: str,
    port: int,
    token: str | None,
    *,
    broker: str | None = None,
    store: str | None = None,
) -> None:
    """Run uvicorn until interrupted (its access log is off: it would show tokens in URLs)."""
    import uvicorn

    from petri.web.app import create_app

    app = create_app(home, token=token, broker=broker, store=store)
    uvicorn.run(app, host=host, port=port, access_log=False)
