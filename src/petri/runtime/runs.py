"""The index of runs: which store holds a run's events, where its problem and outputs are.

A run's events live next to its problem (``PROBLEM/.petri/petri.db``); the index, one small
JSON file per run under the petri home, lets ``petri status|resume|report|export RUN`` find
them from anywhere. Runs are named by id or by any unique prefix of it.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from petri.errors import ConfigError
from petri.runtime.store.files import write_atomic


@dataclass(frozen=True)
class RunInfo:
    """Where one run's parts are."""

    run_id: str
    problem: str  # absolute problem folder
    store: str  # store URL of the run's events
    queue: str  # queue URL of its evaluation tasks
    out: str  # output folder
    created: float
    kind: str = "evolve"  # the job that made it: evolve or swarm


def state_folder(root: Path) -> Path:
    """``root/.petri``, where a run keeps its store and queue by default (made if missing)."""
    folder = root / ".petri"
    try:
        folder.mkdir(exist_ok=True)
    except OSError as exc:
        raise ConfigError(
            f"cannot write {folder} ({exc.strerror}); copy the folder somewhere writable or "
            "pass --store and --broker URLs"
        ) from exc
    return folder


def new_run_id(now: float | None = None) -> str:
    """A sortable, unique run id such as ``r20261121-065812-3fa9c1``."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime(now if now is not None else time.time()))
    return f"r{stamp}-{secrets.token_hex(3)}"


def register(home: Path, info: RunInfo) -> None:
    """Record a run in the index (atomically; re-registering overwrites)."""
    path = home / "runs" / f"{info.run_id}.json"
    write_atomic(path, [json.dumps(asdict(info), indent=2) + "\n"])


def lookup(home: Path, name: str) -> RunInfo:
    """The run named by id or unique id prefix; ConfigError names the fix otherwise."""
    folder = home / "runs"
    if not name or "/" in name or name.startswith("."):
        raise ConfigError(f"{name!r} is not a run id; `petri status` lists runs")
    matches = sorted(folder.glob(f"{name}*.json")) if folder.is_dir() else []
    exact = [m for m in matches if m.stem == name]
    if exact:
        matches = exact
    if not matches:
        raise ConfigError(f"no run {name!r} in {folder}; `petri status` lists runs")
    if len(matches) > 1:
        raise ConfigError(f"{name!r} names {len(matches)} runs; give more of the id")
    return _read(matches[0])


def recent(home: Path, limit: int = 20) -> list[RunInfo]:
    """The newest runs first."""
    folder = home / "runs"
    paths = sorted(folder.glob("*.json"), reverse=True)[:limit] if folder.is_dir() else []
    return [_read(p) for p in paths]


def _read(path: Path) -> RunInfo:
    try:
        return RunInfo(**json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError) as exc:
        raise ConfigError(f"{path}: unreadable run record ({exc}); delete the file") from exc
