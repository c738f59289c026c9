"""Swarm throughput: no-op tasks through the whole swarm, concurrent tool calls, repository runs.

Measured in one run (``--quick`` for a short smoke run of every part):

(a) N no-op tasks (default 5,000) through planner -> worker -> judge -> promotion, by the real
    entry point: ``petri.agents.launch.launch`` on a GOAL.toml whose planner plans the N tasks,
    so ``start_swarm``/``drive_swarm`` with 2 supervised local worker processes. On SQLite
    (store and queue files in a temp dir) and on Redis (a private ``redis-server`` on a free
    loopback port, a database of its own per run; skipped when the binary is absent). Each
    task's agent reads its own shared key and returns a ``change`` of it, so every task is
    judged (the default rubric) and promoted with compare-and-set. Rate: promoted tasks over
    first ``task_released`` -> ``swarm_finished``, from the events' own timestamps.
                                                           (goal: >= 1,000 tasks/s on SQLite)
    A run that stops moving for ``STALL_S`` is interrupted and reported as stalled.
    Baselines, same run: the same N no-op tasks through the bare runtime queue and ``Worker``
    (2 processes built as the swarm builds its local workers) with ``task_leased``/``task_done``
    recorded in a store as the swarm's workers do, and without a store. Ratios: swarm / bare.
    CPU seconds per task of the coordinator's process and of the workers (and redis-server) say
    where the 2 cores went. SQLite is also run at N/5 and 4N tasks (full run only), to show
    how the coordinator's cost per task follows the number of tasks in the run.
(b) 64 agent instances calling a ``@tool`` that sleeps 50 ms, through ``call_tool`` (64
    threads) and ``acall_tool`` (64 asyncio tasks; a ``ThreadPoolExecutor(64)`` is the loop's
    default executor), each call recorded as a ``tool_called`` event appended to a real SQLite
    store, for a few seconds. Ideal: 64 / 0.05 = 1,280 calls/s.   (goal: >= 80% of ideal)
    Also without a ``record`` function, to show what recording costs.
(c) The repository swarm (``petri swarm repair REPO`` through ``launch``, options as
    ``petri.cli_swarm`` builds them) on copies of examples/repos/ledger (and transit and
    formula unless --quick), with 1 and 2 local workers and a fixed seed, ``PETRI_HOME`` in a
    temp dir: wall time, status, tasks promoted, holdout passed/failed, and whether the final
    patch is the same for 1 and 2 workers (it must be: same seed, same final repository).

How the agents reach the workers: this module registers its agent when it is imported (here,
as ``__main__``) and is also entered in ``sys.modules`` as ``petri_bench_swarm``, the name the
GOAL.toml gives its planner by. The local workers are forked from the coordinator's process,
so they inherit the registered agent; the goal names no agents module for them to import.

Prints a table per part and writes bench/results/swarm.json.

Usage: python bench/swarm.py [--quick] [--tasks N] [--only a,b,c] [--repos ledger,transit]
"""

from __future__ import annotations

import _thread
import argparse
import asyncio
import contextlib
import hashlib
import json
import os
import platform
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from petri.agents.agent import Agent, agent
from petri.agents.journal import SwarmState
from petri.agents.models import SwarmTask, TaskSpec
from petri.agents.planning import GoalPlanner
from petri.agents.tools import ToolRegistry, acall_tool, call_tool, tool
from petri.runtime.queue import Task, TaskStatus
from petri.runtime.queue import from_url as queue_from_url
from petri.runtime.store import from_url as store_from_url
from petri.runtime.store.sqlite import SqliteStore

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "swarm.json"
REPOS = ROOT / "examples" / "repos"
MODULE = "petri_bench_swarm"
WORKERS = 2
GOAL_TASKS_PER_S = 1000.0
STALL_S = 20.0  # (a): seconds without a coordinator step before a run counts as stalled
AGENTS_N = 64
TOOL_LATENCY_S = 0.05
IDEAL_CALLS_PER_S = AGENTS_N / TOOL_LATENCY_S
GOAL_TOOL_SHARE = 0.8
REPO_SEED = 1
REPO_STALL_S = 900.0  # (c): a repair task's search can run for minutes without a step

# The name the goal's planner is imported by (see the module docstring).
sys.modules.setdefault(MODULE, sys.modules[__name__])


# -- (a) the no-op swarm ----------------------------------------------------------------------


@agent
class NoopAgent(Agent):
    """Reads its task's own shared key and asks to write the task's number there."""

    name = "bench-noop"
    kinds = ("bench.noop",)

    def handle(self, task: SwarmTask) -> dict[str, Any]:
        key = str(task.payload["key"])
        _, version = self.ctx.shared.get(key)
        return {"change": {"key": key, "base_version": version, "value": task.payload["n"]}}


class NoopPlanner(GoalPlanner):
    """Plans ``NoopPlanner.tasks`` independent no-op tasks, each touching its own key."""

    tasks = 0  # set by the bench before each run (the planner lives in this process)

    def plan(self, state: SwarmState) -> list[TaskSpec]:
        return [
            TaskSpec(
                id=f"t{i:06d}",
                kind="bench.noop",
                payload={"key": f"k{i:06d}", "n": i, "touches": [f"k{i:06d}"]},
            )
            for i in range(self.tasks)
        ]


GOAL = f"""
name = "bench-noop"
description = "no-op tasks, each judged and promoted"
planner = "{MODULE}:NoopPlanner"
"""


class Stalled(Exception):
    """The run stopped moving: its task counts did not change for the watchdog's limit."""


@contextlib.contextmanager
def watchdog(
    stall_s: float, echo: Callable[[str], None] | None = None
) -> Iterator[Callable[[Any], None]]:
    """A progress callback for ``launch``, and a thread that interrupts the main thread when
    the task counts it is shown have not changed for ``stall_s`` (raised as ``Stalled``).
    ``echo`` (optional) gets a line each time the counts change."""
    start = time.monotonic()
    seen: dict[str, Any] = {"counts": None, "at": start}
    done = threading.Event()
    fired = threading.Event()

    def progress(p: Any) -> None:
        counts = {k: v for k, v in p.counts.items() if v}
        if counts != seen["counts"]:
            seen["counts"], seen["at"] = counts, time.monotonic()
            if echo is not None:
                line = " ".join(f"{k} {v}" for k, v in counts.items())
                echo(f"{time.monotonic() - start:7.1f}s  {line}")

    def watch() -> None:
        while not done.wait(1.0):
            if time.monotonic() - seen["at"] > stall_s:
                fired.set()
                _thread.interrupt_main()
                return

    thread = threading.Thread(target=watch, name="bench-watchdog", daemon=True)
    thread.start()
    try:
        yield progress
    except KeyboardInterrupt:
        if fired.is_set():
            counts = seen["counts"]
            raise Stalled(f"no progress for {stall_s:g}s; task counts then: {counts}") from None
        raise
    finally:
        done.set()
        thread.join()


class Cpu:
    """CPU seconds of this process, of its reaped children (the workers) and of redis-server."""

    def __init__(self, redis_pid: int | None) -> None:
        self.redis_pid = redis_pid
        self.start = self._now()

    def _now(self) -> tuple[float, float, float]:
        times = os.times()
        return (
            times.user + times.system,
            times.children_user + times.children_system,
            _proc_cpu(self.redis_pid),
        )

    def per_task(self, n: int) -> dict[str, float]:
        end = self._now()
        own, children, redis = (b - a for a, b in zip(self.start, end, strict=True))
        out = {"coordinator_ms": own, "workers_ms": children}
        if self.redis_pid:
            out["redis_server_ms"] = redis
        return {k: round(1000 * v / n, 3) for k, v in out.items()}


def _proc_cpu(pid: int | None) -> float:
    """utime + stime of ``pid`` from /proc (0 when unknown)."""
    if not pid:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _goal_options(folder: Path, backend: str, redis_url: str | None) -> dict[str, Any]:
    options: dict[str, Any] = {"agents": [], "seed": 1, "workers": WORKERS, "llm": {}, "budget": {}}
    if backend == "redis":
        # A database of its own per run, so one run's keys never slow another's scans.
        options["store"] = options["broker"] = f"{redis_url}/{_redis_db()}"
    else:
        options["store"] = f"sqlite:///{folder / '.petri' / 'petri.db'}"
    return options


def _run_of(folder: Path) -> str:
    """The id of the run started on ``folder`` (from the runs registry in PETRI_HOME)."""
    from petri.runtime.runs import recent

    for info in recent(Path(os.environ["PETRI_HOME"]), 1000):
        if Path(info.problem) == folder.resolve():
            return info.run_id
    raise SystemExit(f"no run registered for {folder}")


def swarm_noop(tmp: Path, n: int, backend: str, redis: Server | None) -> dict[str, Any]:
    """N no-op tasks through ``launch`` (GOAL.toml) with 2 local workers; rates from events."""
    from petri.agents.launch import launch

    folder = tmp / f"goal-{backend}-{n}"
    folder.mkdir()
    (folder / "GOAL.toml").write_text(GOAL)
    NoopPlanner.tasks = n
    options = _goal_options(folder, backend, redis.url if redis else None)
    cpu = Cpu(redis.pid if redis and backend == "redis" else None)
    start = time.perf_counter()
    stalled = None
    try:
        with watchdog(STALL_S) as progress:
            launch([str(folder / "GOAL.toml")], options, progress=progress)
    except Stalled as exc:
        stalled = str(exc)
    wall = time.perf_counter() - start
    out = _noop_figures(options["store"], _run_of(folder), n, wall, stalled)
    out["cpu_per_task"] = cpu.per_task(max(out["promoted"], 1))
    return out


def _noop_figures(
    store_url: str, run_id: str, n: int, wall: float, stalled: str | None
) -> dict[str, Any]:
    """The run's rate from its events: first release -> finished (or -> last promotion)."""
    store = store_from_url(store_url)
    try:
        events = list(store.replay(run_id))
    finally:
        store.close()
    first: dict[str, float] = {}
    last: dict[str, float] = {}
    count: dict[str, int] = {}
    for event in events:
        first.setdefault(event.type, event.time)
        last[event.type] = event.time
        count[event.type] = count.get(event.type, 0) + 1
    promoted = count.get("task_promoted", 0)
    released = first["task_released"]
    end = first.get("swarm_finished", last.get("task_promoted", released))
    seconds = end - released
    out: dict[str, Any] = {
        "tasks": n,
        "promoted": promoted,
        "finished": "swarm_finished" in first,
        "tasks_per_s": round(promoted / seconds, 1) if seconds > 0 else 0.0,
        "seconds": round(seconds, 3),
        "workers_done_s": round(last.get("task_done", end) - released, 3),
        "plan_to_release_s": round(released - first["swarm_started"], 3),
        "wall_s": round(wall, 3),
        "events": len(events),
        "state_conflicts": count.get("state_conflict", 0),
    }
    if stalled is not None:
        out["stalled"] = stalled
        out["task_done_never_judged"] = count.get("task_done", 0) - count.get("task_judged", 0)
    elif promoted != n:
        raise SystemExit(f"swarm: {promoted}/{n} promoted")
    return out


def _noop_handler(task: Task) -> dict[str, Any]:
    return {"ok": True}


def bare_noop(
    tmp: Path, n: int, backend: str, redis: Server | None, *, events: bool
) -> dict[str, Any]:
    """The baseline: N no-op tasks on the runtime queue, 2 supervised ``Worker`` processes
    built as the swarm builds its local workers; no coordinator, judge or promotion."""
    from petri.runtime.admin import die_with_parent, make_target
    from petri.runtime.supervisor import Supervisor
    from petri.runtime.worker import Registry

    tag = f"bare-{backend}-{n}-{'events' if events else 'nostore'}"
    if backend == "redis":
        assert redis is not None
        queue_url = store_url = f"{redis.url}/{_redis_db()}"
    else:
        queue_url, store_url = f"sqlite:///{tmp / tag}-queue.db", f"sqlite:///{tmp / tag}.db"
    target = make_target(
        queue_url,
        Registry({"noop": _noop_handler}),
        store_url=store_url if events else None,
        queue_options={"lease_s": 30.0},
    )

    def body(index: int, beat: Callable[[], None]) -> None:
        die_with_parent()
        target(index, beat)

    queue = queue_from_url(queue_url, lease_s=30.0)
    queue.stats()  # connect (and create the schema) before the workers do
    supervisor = Supervisor(body, WORKERS)
    supervisor.start()
    try:
        time.sleep(1.0)  # let the workers connect: measure the queue, not process start
        cpu = Cpu(redis.pid if redis and backend == "redis" else None)
        start = time.perf_counter()
        queue.enqueue_many(
            [Task("noop", {"run_id": tag, "i": i}, id=f"{tag}/{i}") for i in range(n)]
        )
        while queue.stats()[TaskStatus.DONE] < n:
            time.sleep(0.005)
        seconds = time.perf_counter() - start
    finally:
        supervisor.stop()
        queue.close()
    return {
        "tasks": n,
        "tasks_per_s": round(n / seconds, 1),
        "seconds": round(seconds, 3),
        "cpu_per_task": cpu.per_task(n),
    }


# -- servers ---------------------------------------------------------------------------------


class Server:
    """A private redis-server: its URL (without a database) and pid."""

    def __init__(self, url: str, pid: int) -> None:
        self.url = url
        self.pid = pid


_DBS = iter(range(16))


def _redis_db() -> int:
    """A fresh database number of the private redis-server (one per measured run)."""
    return next(_DBS)


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def redis_server(tmp: Path) -> Iterator[Server | None]:
    """A private redis-server (no persistence) on a free loopback port, or None."""
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not Path(binary).exists():
        yield None
        return
    port = _port()
    args = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly"]
    args += ["no", "--dir", str(tmp)]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.02)
        yield Server(f"redis://127.0.0.1:{port}", proc.pid)
    finally:
        proc.terminate()
        proc.wait(10)


def part_a(tmp: Path, n: int, *, quick: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"tasks": n, "workers": WORKERS, "stall_s": STALL_S}
    with redis_server(tmp) as redis:
        backends = ["sqlite", *(["redis"] if redis else [])]
        if redis is None:
            print("(a) redis-server not found: the Redis measurements are skipped")
            out["redis_skipped"] = "redis-server not found"
        for backend in backends:
            print(f"(a) {backend}: bare queue + Worker, {n} tasks ...", flush=True)
            bare = bare_noop(tmp, n, backend, redis, events=True)
            bare_q = bare_noop(tmp, n, backend, redis, events=False)
            print(f"(a) {backend}: swarm, {n} tasks ...", flush=True)
            swarm = swarm_noop(tmp, n, backend, redis)
            rate = swarm["tasks_per_s"]
            out[backend] = {
                "swarm": swarm,
                "bare_worker_with_events": bare,
                "bare_worker_no_store": bare_q,
                "swarm_over_bare": round(rate / bare["tasks_per_s"], 3),
                "swarm_over_bare_no_store": round(rate / bare_q["tasks_per_s"], 3),
            }
    if not quick:
        scaling = {}
        for size in (n // 5, n * 4):
            print(f"(a) sqlite: swarm, {size} tasks ...", flush=True)
            scaling[str(size)] = swarm_noop(tmp, size, "sqlite", None)
        scaling[str(n)] = out["sqlite"]["swarm"]
        out["sqlite_scaling"] = {k: scaling[k] for k in sorted(scaling, key=int)}
    swarm = out["sqlite"]["swarm"]
    out["goal_tasks_per_s"] = GOAL_TASKS_PER_S
    out["goal_met"] = swarm["finished"] and swarm["tasks_per_s"] >= GOAL_TASKS_PER_S
    return out


# -- (b) 64 agents calling a slow tool ----------------------------------------------------------

TOOLS = ToolRegistry()


@tool(registry=TOOLS, name="bench_remote")
def bench_remote(ms: int) -> int:
    """Wait ``ms`` milliseconds, as a call to a remote service would."""
    time.sleep(ms / 1000)
    return ms


def _recorder(store: SqliteStore | None, run_id: str) -> Callable[[str, dict[str, Any]], object]:
    if store is None:
        return lambda etype, data: None
    return lambda etype, data: store.append(run_id, etype, data)


def tools_threads(store: SqliteStore | None, run_id: str, seconds: float) -> dict[str, Any]:
    """64 threads, each an agent calling the tool through ``call_tool`` until the deadline."""
    record = _recorder(store, run_id) if store is not None else None
    args = {"ms": int(TOOL_LATENCY_S * 1000)}
    latencies: list[list[float]] = [[] for _ in range(AGENTS_N)]
    ends = [0.0] * AGENTS_N
    errors: list[BaseException] = []
    gate = threading.Barrier(AGENTS_N + 1)
    clock: dict[str, float] = {}

    def agent_loop(i: int) -> None:
        gate.wait()
        deadline, mine = clock["deadline"], latencies[i]
        try:
            while time.perf_counter() < deadline:
                began = time.perf_counter()
                call_tool(TOOLS, "bench_remote", args, caller=f"agent-{i}", record=record)
                ends[i] = time.perf_counter()
                mine.append(ends[i] - began)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=agent_loop, args=(i,)) for i in range(AGENTS_N)]
    for thread in threads:
        thread.start()
    clock["start"] = time.perf_counter()
    clock["deadline"] = clock["start"] + seconds
    gate.wait()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return _tool_figures(latencies, max(ends) - clock["start"], store, run_id)


def tools_asyncio(store: SqliteStore | None, run_id: str, seconds: float) -> dict[str, Any]:
    """64 asyncio tasks calling the sync tool through ``acall_tool`` (a 64-thread executor)."""
    record = _recorder(store, run_id) if store is not None else None
    args = {"ms": int(TOOL_LATENCY_S * 1000)}
    latencies: list[list[float]] = [[] for _ in range(AGENTS_N)]
    ends = [0.0] * AGENTS_N

    async def agent_loop(i: int, deadline: float) -> None:
        mine = latencies[i]
        while time.perf_counter() < deadline:
            began = time.perf_counter()
            await acall_tool(TOOLS, "bench_remote", args, caller=f"agent-{i}", record=record)
            ends[i] = time.perf_counter()
            mine.append(ends[i] - began)

    async def main() -> float:
        loop = asyncio.get_running_loop()
        loop.set_default_executor(ThreadPoolExecutor(AGENTS_N, thread_name_prefix="bench-tool"))
        start = time.perf_counter()
        await asyncio.gather(*(agent_loop(i, start + seconds) for i in range(AGENTS_N)))
        return start

    start = asyncio.run(main())
    return _tool_figures(latencies, max(ends) - start, store, run_id)


def _tool_figures(
    latencies: list[list[float]], seconds: float, store: SqliteStore | None, run_id: str
) -> dict[str, Any]:
    flat = sorted(x for mine in latencies for x in mine)
    calls = len(flat)
    out: dict[str, Any] = {
        "calls": calls,
        "seconds": round(seconds, 3),
        "calls_per_s": round(calls / seconds, 1),
        "share_of_ideal": round(calls / seconds / IDEAL_CALLS_PER_S, 3),
        "latency_ms_median": round(1000 * statistics.median(flat), 2),
        "latency_ms_p99": round(1000 * flat[int(0.99 * (calls - 1))], 2),
    }
    if store is not None:
        recorded = sum(1 for e in store.replay(run_id) if e.type == "tool_called")
        if recorded != calls:
            raise SystemExit(f"(b) {run_id}: {calls} calls but {recorded} tool_called events")
        out["events_recorded"] = recorded
    return out


def part_b(tmp: Path, seconds: float) -> dict[str, Any]:
    store = SqliteStore(tmp / "tools.db")
    store.append("warmup", "x")
    out: dict[str, Any] = {
        "agents": AGENTS_N,
        "tool_latency_s": TOOL_LATENCY_S,
        "ideal_calls_per_s": IDEAL_CALLS_PER_S,
    }
    try:
        for mode, fn in (("threads", tools_threads), ("asyncio", tools_asyncio)):
            print(f"(b) {AGENTS_N} agents, {mode}, recorded in SQLite ...", flush=True)
            out[mode] = fn(store, f"tools-{mode}", seconds)
            print(f"(b) {AGENTS_N} agents, {mode}, no record ...", flush=True)
            out[f"{mode}_no_record"] = fn(None, f"tools-{mode}-bare", seconds)
    finally:
        store.close()
    share = min(out["threads"]["share_of_ideal"], out["asyncio"]["share_of_ideal"])
    out["goal_share_of_ideal"] = GOAL_TOOL_SHARE
    out["goal_met"] = share >= GOAL_TOOL_SHARE
    return out


# -- (c) the repository swarm -------------------------------------------------------------------


def repo_run(tmp: Path, name: str, workers: int) -> dict[str, Any]:
    """``petri swarm repair COPY --workers W --seed 1`` through ``launch``, as the CLI does."""
    from petri.agents.launch import launch

    folder = tmp / "repos" / f"{name}-w{workers}"
    shutil.copytree(REPOS / name, folder)
    # Unset flags are absent: ``launch`` takes every option's default as the CLI does.
    options: dict[str, Any] = {"seed": REPO_SEED, "workers": workers}
    print(f"(c) {name}, {workers} worker(s) ...", flush=True)
    start = time.perf_counter()
    try:
        with watchdog(REPO_STALL_S, echo=lambda line: print(f"    {line}", flush=True)) as show:
            summary = launch(["repair", str(folder)], options, progress=show)
    except Stalled as exc:
        return {
            "workers": workers,
            "wall_s": round(time.perf_counter() - start, 1),
            "status": "stalled",
            "stalled": str(exc),
        }
    wall = time.perf_counter() - start
    patch = Path(summary["patch"]).read_text(encoding="utf-8")
    out = {
        "workers": workers,
        "wall_s": round(wall, 1),
        "status": summary["status"],
        "promoted": summary["promoted"],
        "tasks": {k: v for k, v in summary["tasks"].items() if v},
        "holdout": summary.get("holdout"),
        "gave_up": len(summary.get("gave_up") or []),
        "patch_sha256": hashlib.sha256(patch.encode()).hexdigest()[:16],
        "patch_lines": len(patch.splitlines()),
    }
    print(
        f"    {name}, {workers} worker(s): {out['status']} in {wall:.0f}s, "
        f"{out['promoted']} promoted, holdout {out['holdout']}",
        flush=True,
    )
    return out


def part_c(tmp: Path, names: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {"seed": REPO_SEED, "repos": {}}
    for name in names:
        one = repo_run(tmp, name, 1)
        two = repo_run(tmp, name, 2)
        same = "patch_sha256" in one and one.get("patch_sha256") == two.get("patch_sha256")
        row = {"workers_1": one, "workers_2": two, "same_patch": same}
        if "patch_sha256" in one and "patch_sha256" in two:
            row["speedup_2_over_1"] = round(one["wall_s"] / two["wall_s"], 2)
        out["repos"][name] = row
    out["all_same_patch"] = all(r["same_patch"] for r in out["repos"].values())
    return out


# -- report -------------------------------------------------------------------------------------


def report(results: dict[str, Any]) -> None:
    if "a" in results:
        _report_a(results["a"])
    if "b" in results:
        _report_b(results["b"])
    if "c" in results:
        _report_c(results["c"])
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {RESULTS}")


def _report_a(a: dict[str, Any]) -> None:
    print(
        f"\n(a) {a['tasks']} no-op tasks, {a['workers']} local workers, planner -> worker ->"
        " judge -> promotion"
    )
    head = f"{'run':<40}{'tasks/s':>9}{'promoted':>10}{'seconds':>9}{'cpu ms/task c+w':>17}"
    print(head)
    for backend in ("sqlite", "redis"):
        if backend not in a:
            continue
        for key in ("swarm", "bare_worker_with_events", "bare_worker_no_store"):
            row = a[backend][key]
            cpu = row["cpu_per_task"]
            label = f"{backend} {key}" + (" (STALLED)" if row.get("stalled") else "")
            promoted = row.get("promoted", row["tasks"])
            print(
                f"{label:<40}{row['tasks_per_s']:>9.0f}{promoted:>10}{row['seconds']:>9.2f}"
                f"{cpu['coordinator_ms']:>8.2f}+{cpu['workers_ms']:<8.2f}"
            )
        ratio = a[backend]["swarm_over_bare"]
        lean = a[backend]["swarm_over_bare_no_store"]
        print(
            f"{backend}: swarm / bare worker with events = {ratio:.2f}x;"
            f" / bare worker without store = {lean:.2f}x"
        )
        if a[backend]["swarm"].get("stalled"):
            swarm = a[backend]["swarm"]
            print(
                f"{backend}: {swarm['stalled']};"
                f" {swarm['task_done_never_judged']} task_done events never judged"
            )
    if "sqlite_scaling" in a:
        rates = ", ".join(
            f"{k} tasks {v['tasks_per_s']:.0f}/s (workers done at "
            f"{v['workers_done_s']:.1f}s, finished at {v['seconds']:.1f}s)"
            for k, v in a["sqlite_scaling"].items()
        )
        print(f"sqlite scaling: {rates}")
    print(
        f"goal >= {a['goal_tasks_per_s']:.0f} tasks/s on SQLite: "
        f"{'met' if a['goal_met'] else 'MISSED'}"
    )


def _report_b(b: dict[str, Any]) -> None:
    print(
        f"\n(b) {b['agents']} agents, a tool of {1000 * b['tool_latency_s']:.0f} ms, ideal "
        f"{b['ideal_calls_per_s']:.0f} calls/s"
    )
    print(f"{'mode':<22}{'calls':>8}{'calls/s':>9}{'of ideal':>10}{'median ms':>11}{'p99 ms':>9}")
    for key in ("threads", "asyncio", "threads_no_record", "asyncio_no_record"):
        r = b[key]
        print(
            f"{key:<22}{r['calls']:>8}{r['calls_per_s']:>9.0f}{r['share_of_ideal']:>10.0%}"
            f"{r['latency_ms_median']:>11.1f}{r['latency_ms_p99']:>9.1f}"
        )
    print(
        f"goal >= {b['goal_share_of_ideal']:.0%} of ideal (recorded, threads and asyncio): "
        f"{'met' if b['goal_met'] else 'MISSED'}"
    )


def _report_c(c: dict[str, Any]) -> None:
    print(f"\n(c) repository swarm, seed {c['seed']}")
    print(
        f"{'repo':<10}{'workers':>8}{'wall s':>8}  {'status':<10}{'promoted':>9}{'holdout':>10}"
        f"  patch"
    )
    for name, row in c["repos"].items():
        for key in ("workers_1", "workers_2"):
            r = row[key]
            hold = r.get("holdout") or {}
            held = f"{hold.get('passed', '-')}/{hold.get('failed', '-')}" if hold else "-"
            print(
                f"{name:<10}{r['workers']:>8}{r['wall_s']:>8.0f}  {r['status']:<10}"
                f"{r.get('promoted', '-'):>9}{held:>10}  {r.get('patch_sha256', '-')}"
            )
        print(
            f"{name}: same final patch with 1 and 2 workers: {row['same_patch']}"
            + (
                f"; 2 workers {row['speedup_2_over_1']:.2f}x faster"
                if "speedup_2_over_1" in row
                else ""
            )
        )
    print("holdout is passed/failed at the last check")


def environment() -> dict[str, Any]:
    redis = shutil.which("redis-server")
    version = None
    if redis:
        run = subprocess.run([redis, "--version"], capture_output=True, text=True, check=False)
        version = run.stdout.split()[2].removeprefix("v=") if run.stdout else None
    return {
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "sqlite": sqlite3.sqlite_version,
        "redis_server": version,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a short smoke run of every part")
    parser.add_argument("--tasks", type=int, help="no-op tasks in (a) (default 5000; quick 300)")
    parser.add_argument("--seconds", type=float, help="seconds per mode in (b) (5; quick 1.5)")
    parser.add_argument("--only", default="a,b,c", help="comma-separated parts to run")
    parser.add_argument(
        "--repos", help="repositories in (c) (ledger,transit,formula; quick ledger)"
    )
    args = parser.parse_args()
    parts = set(args.only.split(","))
    n = args.tasks or (300 if args.quick else 5000)
    seconds = args.seconds or (1.5 if args.quick else 5.0)
    repos = (args.repos or ("ledger" if args.quick else "ledger,transit,formula")).split(",")
    results: dict[str, Any] = {
        "benchmark": "swarm",
        "quick": args.quick,
        "environment": environment(),
    }
    with tempfile.TemporaryDirectory(prefix="petri-bench-swarm-") as name:
        tmp = Path(name)
        os.environ["PETRI_HOME"] = str(tmp / "home")
        if "a" in parts:
            results["a"] = part_a(tmp, n, quick=args.quick)
        if "b" in parts:
            results["b"] = part_b(tmp, seconds)
        if "c" in parts:
            results["c"] = part_c(tmp, repos)
    report(results)


if __name__ == "__main__":
    main()
