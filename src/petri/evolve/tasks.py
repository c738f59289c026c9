"""Evaluation as a durable task: the problem snapshot, the worker's handler and its result.

The coordinator publishes the problem folder once per run as a compressed snapshot in the
run's store (``problem:{digest}``); a worker on any machine unpacks it once and keeps a warm
sandbox pool on it. So a run judges exactly the folder it started with, even if the user edits
it meanwhile, and ``petri worker --broker URL`` needs nothing but the broker and the store.
The handler stores its result as ``petri.evolve.results`` says, once: a re-run after a crash
finds it there and writes nothing twice.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import hashlib
import io
import os
import tarfile
import tempfile
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from petri.config import Limits, SandboxSettings
from petri.errors import JudgeError, ProblemError, StateConflict
from petri.evolve.results import Result, load_result, save_result
from petri.runtime.queue import Task
from petri.runtime.store import Store
from petri.runtime.store import from_url as store_from_url
from petri.sandbox.outcome import Evaluation, Status
from petri.sandbox.pool import WorkerPool
from petri.sandbox.probe import probe as probe_timeouts
from petri.sandbox.spec import JudgeSpec

KIND = "petri.evaluate"
#: Largest problem snapshot petri publishes (compressed).
MAX_SNAPSHOT_BYTES = 16 << 20
_SKIP = {".petri", "__pycache__", ".git", ".pytest_cache", ".mypy_cache", ".ruff_cache"}


def snapshot(root: Path, skip: frozenset[str] = frozenset()) -> tuple[str, bytes]:
    """(digest, tar.gz bytes) of the problem folder, without petri's own and cache folders
    (nor folders named in ``skip``)."""
    buffer = io.BytesIO()
    skipped = _SKIP | skip
    with tarfile.open(fileobj=buffer, mode="w:gz", compresslevel=6) as tar:
        for path in sorted(root.rglob("*")):
            rel = path.relative_to(root)
            if skipped.intersection(rel.parts) or not (path.is_file() or path.is_dir()):
                continue
            info = tar.gettarinfo(str(path), arcname=str(rel))
            info.mtime, info.uid, info.gid, info.uname, info.gname = 0, 0, 0, "", ""
            info.mode = 0o755 if path.is_dir() else 0o644
            if path.is_file():
                with path.open("rb") as src:
                    tar.addfile(info, src)
            else:
                tar.addfile(info)
    data = buffer.getvalue()
    if len(data) > MAX_SNAPSHOT_BYTES:
        raise ProblemError(f"{root}: the problem folder is over 16 MiB compressed; move data out")
    return hashlib.sha256(data).hexdigest()[:20], data


def publish(store: Store, root: Path, spec: JudgeSpec, limits: Limits, jail: str) -> str:
    """Store the problem snapshot and how to judge it; return its digest (idempotent)."""
    digest, data = snapshot(root)
    record = {
        "archive": base64.b64encode(data).decode("ascii"),
        "program": spec.program,
        "kind": spec.kind,
        "limits": limits.model_dump(),
        "jail": jail,
    }
    # A conflict: published by an earlier start of this run, or by a run of the same folder.
    with contextlib.suppress(StateConflict):
        store.put(f"problem:{digest}", record, 0)
    return digest


class _Pools:
    """Warm sandbox pools of this worker process, one per problem snapshot. They live as long
    as the process: the jailed workers die with it (bubblewrap's --die-with-parent)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pools: dict[str, WorkerPool] = {}
        self._stores: dict[str, Store] = {}

    def store(self, url: str) -> Store:
        with self._lock:
            if url not in self._stores:
                self._stores[url] = store_from_url(url)
            return self._stores[url]

    def pool(self, store: Store, digest: str) -> WorkerPool:
        with self._lock:
            if digest not in self._pools:
                self._pools[digest] = _start_pool(store, digest)
            return self._pools[digest]


_POOLS = _Pools()


def _start_pool(store: Store, digest: str) -> WorkerPool:
    record, _ = store.get(f"problem:{digest}")
    if not isinstance(record, Mapping):
        raise JudgeError(f"problem snapshot {digest} is not in the run's store; restart the run")
    root = unpack(digest, base64.b64decode(record["archive"]))
    spec = JudgeSpec(root=root, program=str(record["program"]), kind=record["kind"])
    sandbox = SandboxSettings(jail=record.get("jail", "auto"), workers=1)
    pool = WorkerPool(spec, Limits(**record["limits"]), sandbox)
    pool.start()
    return pool


def unpack(digest: str, data: bytes) -> Path:
    """Unpack a snapshot once per machine, into a folder the jailed uid can read."""
    base = Path(tempfile.gettempdir(), f"petri-snapshots-{os.geteuid()}")
    target = base / digest
    if target.is_dir():
        return target
    base.mkdir(mode=0o755, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix=f".{digest}.", dir=base))
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        members = tar.getmembers()
        for member in members:  # a snapshot holds plain files and folders below its root only
            parts = Path(member.name).parts
            if (
                not (member.isfile() or member.isdir())
                or member.name.startswith("/")
                or ".." in parts
            ):
                raise JudgeError(
                    f"problem snapshot {digest} holds {member.name!r}; start a new run"
                )
            member.mode = 0o755 if member.isdir() else 0o644
        tar.extractall(partial, members=members)
    partial.chmod(0o755)
    try:
        partial.rename(target)
    except OSError:  # another worker of this machine unpacked it first
        return target
    return target


def evaluate_task(task: Task) -> dict[str, Any]:
    """The ``petri.evaluate`` handler: judge one program in the sandbox, store the result."""
    payload = task.payload
    store = _POOLS.store(str(payload["store"]))
    run_id, program_id = str(payload["run_id"]), str(payload["program_id"])
    if load_result(store, run_id, program_id) is not None:
        return {"cached": True}
    pool = _POOLS.pool(store, str(payload["problem"]))
    result = judge(pool, str(payload["source"]), **_options(payload))
    save_result(store, run_id, program_id, result)
    return {"status": result.evaluation.status.value}


def judge(
    pool: WorkerPool,
    source: str,
    *,
    coverage: bool = False,
    test_timeout_s: float | None = None,
    select: Sequence[str] | None = None,
    probe: bool = False,
) -> Result:
    """One candidate judged in ``pool``, as the result a search keeps (no output; with
    coverage, each line's suspiciousness instead of the raw lines). With ``probe`` (the
    original, whose tests may loop forever) timeouts start short and grow while tests keep
    timing out (``petri.sandbox.probe``)."""
    options: dict[str, Any] = {"coverage": coverage, "test_timeout_s": test_timeout_s}
    options["failure_details"] = False  # a search reads outcomes: failures are not rendered
    if select is not None:
        options["select"] = list(select)
    evaluation = _evaluate(pool, source, probe, options)
    if evaluation.status is Status.VIOLATION:
        # A worker killed from outside looks like a candidate that killed it. Judging again on
        # the replaced worker tells them apart: a real attack is a violation again.
        evaluation = _evaluate(pool, source, probe, options)
    suspiciousness: dict[int, float] = {}
    if coverage:
        from petri.evolve.localize import ochiai

        suspiciousness = ochiai(evaluation)
    kept = dataclasses.replace(evaluation, output="", coverage={}, file_coverage={})
    return Result(kept, suspiciousness)


def _evaluate(pool: WorkerPool, source: str, probe: bool, options: dict[str, Any]) -> Evaluation:
    if probe and options["test_timeout_s"] is None:
        chosen = {k: v for k, v in options.items() if k in ("coverage", "select")}
        return probe_timeouts(pool, source, failure_details=False, **chosen)
    return pool.evaluate(source, **options)


def _options(payload: Mapping[str, Any]) -> dict[str, Any]:
    timeout = payload.get("test_timeout_s")
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
        timeout = None
    options = {"coverage": bool(payload.get("coverage")), "test_timeout_s": timeout}
    return {**options, "probe": payload.get("probe") is True}


HANDLERS = {KIND: evaluate_task}
