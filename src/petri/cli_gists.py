"""``petri gists fetch``: a corpus for ``petri ecosystem`` from a user's public gists."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from petri.cli_common import petri_errors
from petri.errors import ConfigError

if TYPE_CHECKING:
    from petri.integrations.gists import Fetched
    from petri.integrations.github_http import GitHubClient

gists_app = typer.Typer(
    help="Corpora from GitHub gists, for petri ecosystem.", no_args_is_help=True
)

DEFAULT_API = "https://api.github.com"
FETCH_HELP = (
    "Write the Python files of USER's public gists to OUT/<gist>/<file>.py.\n\n"
    "Files that are too large (256 KiB), binary, not UTF-8 or not valid Python are skipped and"
    " counted; OUT/manifest.json lists each file and what became of it. A re-run asks with"
    " ETags (OUT/.gists-cache.json), so unchanged gists cost nothing against the rate limit.\n\n"
    "Tokens come from PETRI_GITHUB_TOKENS (comma-separated, used in turn) or GITHUB_TOKEN;"
    " without one, GitHub allows 60 requests an hour.\n\n"
    "Then: petri ecosystem OUT"
)


def tokens_from_env(environ: Mapping[str, str] = os.environ) -> list[str]:
    """PETRI_GITHUB_TOKENS (comma-separated), else GITHUB_TOKEN, else none (anonymous)."""
    pool = environ.get("PETRI_GITHUB_TOKENS") or environ.get("GITHUB_TOKEN") or ""
    return [t.strip() for t in pool.split(",") if t.strip()]


def make_client(api: str, out: Path) -> GitHubClient:
    """The client the command uses (a seam: tests swap in one whose sleep is a fake)."""
    from petri.integrations.gists import CACHE_FILE
    from petri.integrations.github_http import GitHubClient
    from petri.integrations.github_tokens import TokenPool

    if not api.startswith(("http://", "https://")):
        raise ConfigError(f"--api {api!r} is not an http(s) address: use e.g. {DEFAULT_API}")
    return GitHubClient(api, TokenPool(tokens_from_env()), out / CACHE_FILE)


@gists_app.command("fetch", help=FETCH_HELP)
def fetch_command(
    user: Annotated[
        str, typer.Argument(help="GitHub user name.", metavar="USER", show_default=False)
    ],
    out: Annotated[
        Path, typer.Option("--out", help="Folder to write (made if missing).", show_default=False)
    ],
    api: Annotated[str, typer.Option(help="GitHub API address.")] = DEFAULT_API,
    max_gists: Annotated[
        int | None, typer.Option("--max", min=1, help="Read at most N gists (default all).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    from petri.integrations.gists import check_user, fetch_gists

    err = Console(stderr=True)
    with petri_errors(err):
        check_user(user)
        client = make_client(api, out)
        columns = (
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        )
        quiet = as_json or not err.is_terminal  # a bar in a log or a pipe is only noise
        with Progress(*columns, console=err, transient=True, disable=quiet) as bar:
            task = bar.add_task(f"gists of {user}", total=None)

            def show(found: Fetched, total: int) -> None:
                text = f"gists of {user}: {found.written} files written"
                bar.update(task, description=text, completed=found.gists, total=total or None)

            found = fetch_gists(user, out, client, max_gists=max_gists, progress=show)
    _print(found, out, as_json)


def _print(found: Fetched, out: Path, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(found.to_dict()))
        return
    skipped = ", ".join(f"{n} {why}" for why, n in sorted(found.skipped.items())) or "none"
    console = Console(highlight=False)
    console.print(
        f"{found.written} Python file(s) from {found.gists} gist(s) in {out} (skipped: {skipped};"
        f" {found.requests} requests, {found.not_modified} not modified,"
        f" {found.retries} retries)",
        markup=False,
        soft_wrap=True,
    )
    console.print(f"next: petri ecosystem {out}", markup=False, soft_wrap=True)
