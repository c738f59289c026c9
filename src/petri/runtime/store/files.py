"""Durable files written from the store: a temp file in the same folder, fsync, ``os.replace``.

A reader never sees half a file: either the old file or the complete new one. Exporting a run's
events and then compacting them is the retention path (``archive``).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path

from petri.errors import BackendError
from petri.runtime.store.base import Event, Store


def write_atomic(path: str | Path, lines: Iterable[str]) -> None:
    """Write ``lines`` (each ending in a newline) to ``path`` atomically and durably."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.writelines(lines)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise BackendError(f"cannot write {target}: {exc}") from exc


def export_events(store: Store, run_id: str, path: str | Path, after_seq: int = 0) -> int:
    """Write ``run_id``'s events after ``after_seq`` to ``path`` as JSON lines; return the last seq.

    Returns ``after_seq`` when there was nothing to export (the file then holds no lines).
    """
    last = after_seq

    def lines() -> Iterable[str]:
        nonlocal last
        for event in store.replay(run_id, after_seq):
            last = event.seq
            yield json.dumps(asdict(event), separators=(",", ":")) + "\n"

    write_atomic(path, lines())
    return last


def read_export(path: str | Path) -> list[Event]:
    """Load events written by :func:`export_events`."""
    with open(path, encoding="utf-8") as src:
        return [Event(**json.loads(line)) for line in src if line.strip()]


def archive(store: Store, run_id: str, path: str | Path) -> int:
    """Export every event of ``run_id`` to ``path``, then compact what was exported.

    Returns the highest archived sequence (0 if the run had no events). The export is durable
    before anything is deleted, so a crash in between loses nothing.
    """
    last = export_events(store, run_id, path)
    if last:
        store.compact(run_id, last)
    return last
