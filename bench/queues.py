"""Queue throughput: petri's backends against SqliteHuey and Celery, end to end.

N no-op tasks are enqueued in batches, then 2 worker processes lease and ack until all are done;
the rate is N / (enqueue + drain) wall time. Baselines run in the same process tree: SqliteHuey
(2 process workers) and Celery (Redis broker, acks_late, 2 prefork workers). Private redis-server
and nats-server instances are started in a temp dir on free loopback ports. Also measured: time to
recover after a SIGKILLed worker with 10,000 tasks queued in SQLite.

    .venv/bin/python bench/queues.py [--tasks N] [--only sqlite,redis,...]
"""

import argparse
import json
import multiprocessing as mp
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from petri.runtime.queue import Task, from_url

BATCH = 100
RESULTS = Path(__file__).resolve().parent / "results" / "queue.json"

APPS = """
from celery import Celery
from huey import SqliteHuey
import os

huey = SqliteHuey(filename=os.environ["BENCH_HUEY_DB"], results=False)

@huey.task()
def noop():
    return None

app = Celery("bench", broker=os.environ.get("BENCH_REDIS", "redis://127.0.0.1:1/0"))
app.conf.update(task_acks_late=True, task_ignore_result=True, worker_hijack_root_logger=False)

@app.task
def cnoop():
    return None
"""


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start(args: list[str], port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(500):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            return proc
        except OSError:
            time.sleep(0.02)
    raise RuntimeError(f"{args[0]} did not start")


def _worker(url: str, total: int, done: Any) -> None:
    queue = from_url(url, name="bench", lease_s=60)
    while done.value < total:
        batch = queue.lease_many(BATCH)
        if not batch:
            time.sleep(0.001)
            continue
        flags = queue.ack_many(batch)
        with done.get_lock():
            done.value += sum(flags)
    queue.close()


def bench_petri(url: str, n: int) -> dict[str, float]:
    ctx = mp.get_context("spawn")
    done = ctx.Value("i", 0)
    workers = [ctx.Process(target=_worker, args=(url, n, done)) for _ in range(2)]
    for proc in workers:
        proc.start()
    producer = from_url(url, name="bench")
    time.sleep(1.0)  # let the workers import and connect: measure the queue, not interpreter start
    start = time.perf_counter()
    for first in range(0, n, 1000):
        producer.enqueue_many([Task("noop", {"i": i}) for i in range(first, min(n, first + 1000))])
    enqueued = time.perf_counter()
    for proc in workers:
        proc.join()
    end = time.perf_counter()
    producer.close()
    return {
        "tasks_per_s": n / (end - start),
        "enqueue_per_s": n / (enqueued - start),
        "seconds": end - start,
    }


def _wait_until(check: Any, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError("baseline did not finish")
        time.sleep(0.01)


def bench_huey(tmp: Path, n: int, env: dict[str, str]) -> dict[str, float]:
    sys.path.insert(0, str(tmp))
    import bench_apps  # type: ignore[import-not-found]

    consumer = Path(sys.executable).parent / "huey_consumer"
    cmd = [str(consumer), "bench_apps.huey", "-w", "2", "-k", "process", "-d", "0.001", "-q"]
    proc = subprocess.Popen(cmd, cwd=tmp, env=env, stderr=subprocess.DEVNULL)
    time.sleep(1.5)
    start = time.perf_counter()
    for _ in range(n):
        bench_apps.noop()
    enqueued = time.perf_counter()
    _wait_until(lambda: bench_apps.huey.pending_count() == 0)
    end = time.perf_counter()
    proc.send_signal(signal.SIGINT)
    proc.wait(30)
    return {"tasks_per_s": n / (end - start), "enqueue_per_s": n / (enqueued - start)}


def bench_celery(tmp: Path, n: int, env: dict[str, str], redis_url: str) -> dict[str, float]:
    import bench_apps
    import redis

    celery = Path(sys.executable).parent / "celery"
    cmd = [str(celery), "-A", "bench_apps", "worker", "-c", "2", "-P", "prefork", "-l", "WARNING"]
    cmd += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
    proc = subprocess.Popen(
        cmd, cwd=tmp, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    client = redis.Redis.from_url(redis_url)
    time.sleep(3.0)
    start = time.perf_counter()
    for _ in range(n):
        bench_apps.cnoop.delay()
    enqueued = time.perf_counter()
    _wait_until(lambda: client.llen("celery") == 0 and client.hlen("unacked") == 0)
    end = time.perf_counter()
    proc.send_signal(signal.SIGTERM)
    proc.wait(60)
    return {"tasks_per_s": n / (end - start), "enqueue_per_s": n / (enqueued - start)}


def _victim(url: str, conn: Any) -> None:
    queue = from_url(url, name="recover", lease_s=60)
    conn.send(len(queue.lease_many(BATCH)))
    time.sleep(600)


def _fresh(url: str, conn: Any) -> None:
    begin = time.time()
    queue = from_url(url, name="recover", lease_s=60)
    task = queue.lease()
    assert task is not None and queue.ack(task)
    conn.send((begin, time.time()))


def bench_recover(tmp: Path) -> dict[str, float]:
    url = f"sqlite:///{tmp}/recover.db"
    queue = from_url(url, name="recover")
    queue.enqueue_many([Task("noop", {"i": i}) for i in range(10_000)])
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe()
    victim = ctx.Process(target=_victim, args=(url, child))
    victim.start()
    held = parent.recv()
    os.kill(victim.pid or 0, signal.SIGKILL)
    victim.join()
    spawned = time.time()
    fresh = ctx.Process(target=_fresh, args=(url, child))
    fresh.start()
    begin, first = parent.recv()
    fresh.join()
    queue.close()
    return {
        "held_by_killed_worker": held,
        "recover_ms": (first - begin) * 1000,
        "recover_with_process_start_ms": (first - spawned) * 1000,
    }


def _servers(tmp: Path, only: set[str]) -> tuple[dict[str, str], list[subprocess.Popen[bytes]]]:
    urls: dict[str, str] = {"sqlite": f"sqlite:///{tmp}/petri.db"}
    procs = []
    redis_bin = shutil.which("redis-server")
    if redis_bin and only & {"redis", "celery"}:
        port = _port()
        args = [redis_bin, "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
        procs.append(_start([*args, "--appendonly", "no", "--dir", str(tmp)], port))
        urls["redis"] = f"redis://127.0.0.1:{port}/0"
    nats_bin = shutil.which("nats-server") or "/usr/sbin/nats-server"
    if Path(nats_bin).exists() and "nats" in only:
        port = _port()
        args = [nats_bin, "-a", "127.0.0.1", "-p", str(port), "-js", "-sd", str(tmp / "js")]
        procs.append(_start(args, port))
        urls["nats"] = f"nats://127.0.0.1:{port}"
    return urls, procs


def run(n: int, only: set[str]) -> dict[str, Any]:
    results: dict[str, Any] = {"tasks": n, "workers": 2, "cpus": os.cpu_count()}
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        (tmp / "bench_apps.py").write_text(APPS)
        urls, procs = _servers(tmp, only)
        env = {**os.environ, "BENCH_HUEY_DB": str(tmp / "huey.db")}
        env["BENCH_REDIS"] = urls.get("redis", "")
        os.environ.update(env)
        try:
            for backend in ("sqlite", "redis", "nats"):
                if backend in only and backend in urls:
                    print(f"petri {backend} ...", flush=True)
                    results[f"petri_{backend}"] = bench_petri(urls[backend], n)
            if "huey" in only:
                print("huey ...", flush=True)
                results["huey_sqlite"] = bench_huey(tmp, n, env)
            if "celery" in only and "redis" in urls:
                print("celery ...", flush=True)
                results["celery_redis"] = bench_celery(tmp, n, env, urls["redis"])
            if "recover" in only:
                results["recover_sqlite"] = bench_recover(tmp)
        finally:
            for proc in procs:
                proc.terminate()
                proc.wait(10)
    return results


def report(results: dict[str, Any]) -> None:
    rate = {
        k: v["tasks_per_s"]
        for k, v in results.items()
        if isinstance(v, dict) and "tasks_per_s" in v
    }
    if "petri_sqlite" in rate and "huey_sqlite" in rate:
        results["ratio_petri_sqlite_over_huey"] = rate["petri_sqlite"] / rate["huey_sqlite"]
    if "petri_redis" in rate and "celery_redis" in rate:
        results["ratio_petri_redis_over_celery"] = rate["petri_redis"] / rate["celery_redis"]
    print(f"\n{results['tasks']} no-op tasks, 2 workers, end to end (enqueue + drain)")
    print(f"{'queue':<16}{'tasks/s':>10}{'enqueue/s':>12}")
    for key, value in rate.items():
        print(f"{key:<16}{value:>10.0f}{results[key]['enqueue_per_s']:>12.0f}")
    for key in ("ratio_petri_sqlite_over_huey", "ratio_petri_redis_over_celery"):
        if key in results:
            print(f"{key}: {results[key]:.1f}x")
    if "recover_sqlite" in results:
        rec = results["recover_sqlite"]
        print(
            f"recover (sqlite, 10,000 queued, worker SIGKILLed): first task after "
            f"{rec['recover_ms']:.1f} ms from consumer start, "
            f"{rec['recover_with_process_start_ms']:.0f} ms including interpreter start"
        )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {RESULTS}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=20_000, help="tasks per queue")
    parser.add_argument(
        "--only", default="sqlite,redis,nats,huey,celery,recover", help="comma-separated subset"
    )
    args = parser.parse_args()
    report(run(args.tasks, set(args.only.split(","))))


if __name__ == "__main__":
    main()
