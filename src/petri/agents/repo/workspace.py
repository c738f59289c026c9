"""The repository at a given state, as a folder any worker can build from the run's store.

The run publishes the repository once as a compressed snapshot (``repo:{digest}``). Every file
content the swarm writes is a blob (``blob:{sha}``, content-addressed, written once), and the
shared state maps ``file:{path}`` to the blob of its current content. A task carries the pins
it works on (file -> blob); ``materialize`` unpacks the snapshot once per machine and lays the
pinned files over a copy of it, in a folder named by the pins, so the same state is built once.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from petri.errors import JudgeError, StateConflict
from petri.evolve.tasks import snapshot, unpack
from petri.runtime.store import Store

#: Folders of a repository never published (virtual environments, build output).
NOT_PUBLISHED = frozenset({".venv", "venv", ".tox", ".nox", "node_modules", "build", "dist"})
FILE_PREFIX = "file:"


def file_key(rel: str) -> str:
    """The shared-state name of a repository file."""
    return f"{FILE_PREFIX}{rel}"


def blob_sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def put_blob(store: Store, text: str) -> str:
    """Store ``text`` once under its hash; return the hash."""
    sha = blob_sha(text)
    with contextlib.suppress(StateConflict):  # already there: blobs never change
        store.put(f"blob:{sha}", {"text": text}, 0)
    return sha


def get_blob(store: Store, sha: str) -> str:
    value, _ = store.get(f"blob:{sha}")
    if not isinstance(value, Mapping) or not isinstance(value.get("text"), str):
        raise JudgeError(f"file content {sha} is not in the run's store; restart the run")
    return str(value["text"])


def publish(store: Store, root: Path) -> str:
    """Store the repository's snapshot; return its digest (idempotent)."""
    digest, data = snapshot(root, NOT_PUBLISHED)
    record = {"archive": base64.b64encode(data).decode("ascii")}
    with contextlib.suppress(StateConflict):
        store.put(f"repo:{digest}", record, 0)
    return digest


def pins_of(values: Mapping[str, Any]) -> dict[str, str]:
    """file -> blob of the shared-state values that are repository files."""
    pins = {}
    for key, value in values.items():
        if key.startswith(FILE_PREFIX) and isinstance(value, Mapping) and value.get("blob"):
            pins[key[len(FILE_PREFIX) :]] = str(value["blob"])
    return pins


def materialize(store: Store, digest: str, pins: Mapping[str, str]) -> Path:
    """A read-only folder holding the repository with the pinned files laid over it."""
    record, _ = store.get(f"repo:{digest}")
    if not isinstance(record, Mapping):
        raise JudgeError(f"repository snapshot {digest} is not in the run's store; restart the run")
    base = unpack(digest, base64.b64decode(record["archive"]))
    if not pins:
        return base
    name = hashlib.sha256(repr((digest, sorted(pins.items()))).encode()).hexdigest()[:24]
    folder = Path(tempfile.gettempdir(), f"petri-repos-{os.geteuid()}")
    target = folder / name
    if target.is_dir():
        return target
    folder.mkdir(mode=0o755, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix=f".{name}.", dir=folder))
    shutil.copytree(base, partial, dirs_exist_ok=True)
    for rel, sha in sorted(pins.items()):
        path = partial / rel
        if partial.resolve() not in path.resolve().parents:
            raise JudgeError(f"pinned file {rel!r} is outside the repository; start a new run")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(get_blob(store, sha), encoding="utf-8")
        path.chmod(0o644)
    partial.chmod(0o755)
    try:
        partial.rename(target)
    except OSError:  # another worker of this machine built it first
        shutil.rmtree(partial, ignore_errors=True)
    return target


def read_file(store: Store, digest: str, pins: Mapping[str, str], rel: str) -> str:
    """One file of the repository at the pinned state."""
    if rel in pins:
        return get_blob(store, pins[rel])
    return (materialize(store, digest, {}) / rel).read_text(encoding="utf-8")


def merge_onto(
    store: Store, digest: str, rel: str, change: Mapping[str, Any], current: Any
) -> dict[str, Any] | None:
    """A file change (``{"blob", "task", "base"}``) merged onto the file the shared state holds
    now (three-way, merge3): the new value to write, or None when the two changed the same
    lines (or the change names no base)."""
    from petri.agents.repo.diffs import merge

    if not change.get("base") or not change.get("blob"):
        return None
    if isinstance(current, Mapping) and current.get("blob"):
        theirs = get_blob(store, str(current["blob"]))
    else:
        theirs = read_file(store, digest, {}, rel)
    base = get_blob(store, str(change["base"]))
    merged = merge(base, get_blob(store, str(change["blob"])), theirs)
    if merged is None:
        return None
    return {**change, "blob": put_blob(store, merged), "base": put_blob(store, theirs)}
