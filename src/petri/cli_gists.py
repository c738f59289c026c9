"""``petri gists fetch``: a corpus for ``petri ecosystem`` from a user's public gists."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from petri.cli_common import petri_errors

gists_app = typer.Typer(help="Corpora from GitHub gists.", no_args_is_help=True)

TOKENS_HELP = (
    "Tokens come from PETRI_GITHUB_TOKENS (comma-separated, used in turn) or GITHUB_TOKEN; "
    "without one, GitHub allows 60 requests an hour."
)


def tokens_from_env() -> list[str]:
    pool = os.environ.get("PETRI_GITHUB_TOKENS") or os.environ.get("GITHUB_TOKEN") or ""
    return [t.strip() for t in pool.split(",") if t.strip()]


@gists_app.command(
    "fetch", help=f"Write the Python files of USER's public gists to OUT. {TOKENS_HELP}"
)
def fetch_command(
    user: Annotated[str, typer.Argument(help="GitHub user name.", show_default=False)],
    out: Annotated[Path, typer.Option("--out", help="Folder to write (made if missing).")],
    api: Annotated[str, typer.Option(help="GitHub API address.")] = "https://api.github.com",
    max_gists: Annotated[
        int | None, typer.Option("--max", min=1, help="Gists to fetch at most (default all).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    from petri.integrations.gists import CACHE_FILE, check_user, fetch_gists
    from petri.integrations.github_http import GitHubClient, TokenPool

    err = Console(stderr=True)
    with petri_errors(err):
        check_user(user)
        client = GitHubClient(api, TokenPool.of(tokens_from_env()), out / CACHE_FILE)
        columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
        with Progress(*columns, console=err, transient=True, disable=as_json) as bar:
            task = bar.add_task(f"gists of {user}")

            def show(found: Any) -> None:
                text = f"gists of {user}: {found.gists} read, {found.written} files written"
                bar.update(task, description=text)

            found = fetch_gists(user, out, client, max_gists=max_gists, progress=show)
    if as_json:
        typer.echo(json.dumps(found.to_dict()))
        return
    skipped = ", ".join(f"{n} {why}" for why, n in found.skipped.items()) or "none"
    Console().print(
        f"{found.written} Python file(s) from {found.gists} gist(s) in {out} "
        f"(skipped: {skipped}; {found.requests} requests, {found.not_modified} not modified)"
    )
    Console().print(f"next: petri ecosystem {out}")
