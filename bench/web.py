"""Dashboard: how long a big evolve run takes to open, and how fast a new event reaches a page.

Measured in one run, on an evolve run of 100,000 evaluations (about 200,000 events in the
embedded SQLite store, written in the shapes a real run writes: births with full sources,
evaluations, one ``generation_done`` per 50 children, a promotion):

* the dashboard's index catching up with the run from nothing (once per run; a dashboard that
  restarts keeps its index);
* server time (the ``Server-Timing`` header the dashboard sets) of opening the run's page, its
  JSON row, a page of its evaluations 50,000 deep, a page of its events, the runs page and
  ``/metrics``: median and worst of 20 opens. Goal: the run's page under 300 ms;
* the same page the way the dashboard read a run before its index (every event replayed, the
  report drawn from the whole state), once, for the ratio;
* latency of a live event: an event appended to a running run's store, until an open
  server-sent-events stream of the dashboard (uvicorn on loopback) delivers it; 20 events.
  Goal: within 1 s.

Prints a table and writes bench/results/web.json.
Usage: python bench/web.py [--evaluations 100000]
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import socket
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from fastapi.testclient import TestClient

from petri.evolve import journal
from petri.evolve.breed import Candidate
from petri.evolve.events import Baseline, GenerationDone, Promoted, Record, RunFinished, RunStarted
from petri.evolve.objectives import Objective
from petri.evolve.report import report_sections
from petri.evolve.status import run_state
from petri.program.edits import Edit
from petri.runtime.runs import RunInfo, register
from petri.runtime.store import from_url
from petri.sandbox.outcome import Status
from petri.web.app import create_app

RESULTS = Path(__file__).resolve().parent / "results" / "web.json"
GOAL_OPEN_MS = 300.0
GOAL_LIVE_S = 1.0
POPULATION = 50
ORIGINAL = "".join(f"def f{i}(x):\n    return x + {i}\n\n" for i in range(40))


def write_run(home: Path, run: str, evaluations: int, *, finish: bool, seed: int = 0) -> None:
    """An evolve run of ``evaluations`` in the event shapes of a real one (random outcomes)."""
    rng = random.Random(seed)
    url = f"sqlite:///{home / 'store.db'}"
    register(home, RunInfo(run, str(home), url, "memory://", str(home / "out"), time.time()))
    store = from_url(url)
    objectives = (Objective("passed", "max"), Objective("size", "min"))
    started = RunStarted(source=ORIGINAL, program="program.py", judge="tests", seed=seed)
    origin = Candidate("0" * 16, (), (), "original", 0, ORIGINAL)
    first = Record(origin.id, Status.FAILED, {"passed": 4.0, "size": 120.0}, 4, 6, 0.2, 1)
    store.append_many(
        [journal.event(run, started), journal.event(run, Baseline(objectives=objectives))]
    )
    store.append_many(journal.births(run, [origin]))
    store.append_many(journal.evaluations(run, [first]))
    population, n, generation = [origin.id], 1, 0
    while n < evaluations:
        generation += 1
        children = [
            _child(rng, rng.choice(population), generation)
            for _ in range(min(POPULATION, evaluations - n))
        ]
        store.append_many(journal.births(run, children))
        records = []
        for child in children:
            n += 1
            records.append(_record(rng, child.id, n))
        population = [c.id for c in rng.sample(children, min(10, len(children)))]
        done = GenerationDone(
            generation=generation, population=population, front=population[:5], best=population[0],
            best_objectives={"passed": 10.0, "size": 95.0}, evaluations=n,
            signature=[[10.0, 95.0]], stale=0, exhausted=False,
        )  # fmt: skip
        store.append_many([*journal.evaluations(run, records), journal.event(run, done)])
    if finish:
        best = population[0]
        promoted = Promoted(id=best, objectives={"passed": 10.0, "size": 95.0}, status="repaired")
        finished = RunFinished(
            status="repaired", best=best, evaluations=n, duration_s=600.0, out="out"
        )
        store.append_many([journal.event(run, promoted), journal.event(run, finished)])
    store.close()


def _child(rng: random.Random, parent: str, generation: int) -> Candidate:
    line = rng.randrange(40)
    source = ORIGINAL.replace(f"x + {line}\n", f"x - {line}\n")
    edit = Edit("binop", rng.randrange(200), ("Sub",))
    return Candidate(
        f"{rng.getrandbits(64):016x}", (edit,), (parent,), "mutate", generation, source
    )


def _record(rng: random.Random, pid: str, n: int) -> Record:
    status = rng.choice((Status.OK, Status.FAILED, Status.FAILED, Status.TIMEOUT))
    values = {"passed": float(rng.randrange(11)), "size": float(90 + rng.randrange(40))}
    return Record(
        pid,
        status,
        values,
        5,
        5,
        rng.uniform(0.01, 2.0),
        n,
        memory_bytes=rng.randrange(2**24, 2**26),
    )


def server_ms(client: TestClient, path: str, times: int = 20) -> dict[str, float]:
    taken = []
    for _ in range(times):
        answer = client.get(path)
        answer.raise_for_status()
        taken.append(float(answer.headers["server-timing"].split("dur=")[1]))
    return {"median_ms": round(statistics.median(taken), 1), "worst_ms": round(max(taken), 1)}


def catch_up(client: TestClient, run: str, timeout_s: float = 600.0) -> float:
    """Seconds until the dashboard's index has read the whole run and drawn its view."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout_s:
        if client.get(f"/api/runs/{run}").json().get("indexed"):
            client.get(f"/runs/{run}/view")  # drawn once, then kept
            return time.perf_counter() - start
        time.sleep(0.1)
    raise SystemExit(f"the index did not catch up with {run} in {timeout_s} s")


def before_index(home: Path, run: str) -> float:
    """Server work of the run page as it was: every event replayed, the whole state drawn."""
    start = time.perf_counter()
    _, state = run_state(home, run)
    "".join(report_sections(state))
    return (time.perf_counter() - start) * 1000


def live_latency(home: Path, run: str, count: int = 20) -> list[float]:
    """Seconds from appending an event to a running run until an open SSE stream gets it."""
    port = _free_port()
    config = uvicorn.Config(create_app(home), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    store = from_url(f"sqlite:///{home / 'store.db'}")
    last = max((e.seq for e in store.replay(run)), default=0)
    delays: list[float] = []
    try:
        url = f"http://127.0.0.1:{port}/api/runs/{run}/stream?after={last}"
        with httpx.stream("GET", url, timeout=30) as stream:
            lines = stream.iter_lines()
            for i in range(count):
                time.sleep(random.uniform(0.05, 0.6))  # not in step with the poll
                sent = time.perf_counter()
                seq = store.append(run, "bench_ping", {"i": i}).seq
                for line in lines:
                    if line.startswith("data:") and json.loads(line[5:])["seq"] == seq:
                        delays.append(time.perf_counter() - sent)
                        break
    finally:
        store.close()
        server.should_exit = True
        thread.join(timeout=10)
    return delays


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--evaluations", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="petri-web-bench-") as tmp:
        home = Path(tmp)
        big = "rbench-big"
        start = time.perf_counter()
        write_run(home, big, args.evaluations, finish=True)
        written = time.perf_counter() - start
        write_run(home, "rbench-live", 500, finish=False, seed=1)
        with TestClient(create_app(home)) as client:
            indexed = catch_up(client, big)
            opens = {
                "run page": server_ms(client, f"/runs/{big}"),
                "run row (JSON)": server_ms(client, f"/api/runs/{big}"),
                "evaluations 50,000 deep": server_ms(
                    client, f"/api/runs/{big}/evaluations?before={args.evaluations // 2}"
                ),
                "events page": server_ms(client, f"/api/runs/{big}/events?after=100000"),
                "runs page": server_ms(client, "/"),
                "/metrics": server_ms(client, "/metrics"),
            }
        replayed = before_index(home, big)
        delays = live_latency(home, "rbench-live")
    report(
        evaluations=args.evaluations, written=written, indexed=indexed, opens=opens,
        replayed=replayed, delays=delays,
    )  # fmt: skip


def report(
    *,
    evaluations: int,
    written: float,
    indexed: float,
    opens: dict[str, dict[str, float]],
    replayed: float,
    delays: list[float],
) -> None:
    page = opens["run page"]["median_ms"]
    live = {"median_s": round(statistics.median(delays), 3), "worst_s": round(max(delays), 3)}
    print(f"evolve run of {evaluations:,} evaluations written in {written:.1f} s")
    print(f"index caught up (from nothing) and view drawn in {indexed:.1f} s")
    print(f"{'opened':<26}{'median ms':>10}{'worst ms':>10}")
    for name, ms in opens.items():
        print(f"{name:<26}{ms['median_ms']:>10.1f}{ms['worst_ms']:>10.1f}")
    verdict = "met" if page < GOAL_OPEN_MS else "NOT met"
    print(f"run page goal < {GOAL_OPEN_MS:.0f} ms: {verdict}")
    print(f"before the index (replay + whole report): {replayed:.0f} ms, {replayed / page:.0f}x")
    ok = "met" if live["worst_s"] <= GOAL_LIVE_S else "NOT met"
    print(f"live event to an open stream: median {live['median_s']} s, worst {live['worst_s']} s "
          f"(goal <= {GOAL_LIVE_S} s: {ok})")  # fmt: skip
    results: dict[str, Any] = {
        "machine": {"python": platform.python_version(), "cpus": _cpus()},
        "evaluations": evaluations,
        "written_s": round(written, 2),
        "index_catch_up_s": round(indexed, 2),
        "server_ms": opens,
        "before_index_ms": round(replayed, 1),
        "live_event_s": live,
        "goals": {"open_ms": GOAL_OPEN_MS, "live_s": GOAL_LIVE_S},
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {RESULTS}")


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0))


if __name__ == "__main__":
    main()
