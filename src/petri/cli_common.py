"""What every petri command shares: turning petri's errors into one line and an exit code."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console

from petri.errors import ConfigError, PetriError, ProblemError, SandboxError

EXIT_ERROR, EXIT_USAGE, EXIT_SANDBOX = 1, 2, 3


@contextmanager
def petri_errors(err: Console) -> Iterator[None]:
    """Print petri's own errors as one line and exit with their code; anything else is a bug."""
    try:
        yield
    except PetriError as exc:
        code = EXIT_ERROR
        if isinstance(exc, ProblemError | ConfigError):
            code = EXIT_USAGE
        elif isinstance(exc, SandboxError):
            code = EXIT_SANDBOX
        message = " ".join(str(exc).split("\n")) or type(exc).__name__
        err.print(f"petri: error: {message}", style="red", markup=False, soft_wrap=True)
        raise typer.Exit(code) from None


def warn(err: Console, message: str) -> None:
    text = message if message.startswith("petri:") else f"petri: warning: {message}"
    err.print(text, style="yellow", markup=False, highlight=False, soft_wrap=True)
