"""The repository swarm end to end, through the command line: every bug repaired (the masked
one after the bug that masks it), the dependency order visible in the events, both changes to
one file kept, the same final repository for any number of workers, and a run killed with
SIGKILL again and again that resumes to the same result with no task counted twice."""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from petri.agents import journal
from petri.runtime.store import Event, from_url

pytestmark = pytest.mark.slow

#: A small budget keeps the masked task (which cannot be repaired whole) short.
TASK_EVALS = "200"


def petri(
    home: Path, *args: str, check: bool = True, **env: str
) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "PETRI_HOME": str(home), **env}
    return subprocess.run(
        [sys.executable, "-m", "petri", *args],
        env=environ,
        capture_output=True,
        text=True,
        check=check,
        timeout=900,
    )


def repair(home: Path, repo: Path, *extra: str) -> dict[str, Any]:
    done = petri(home, "swarm", "repair", str(repo), "--task-evals", TASK_EVALS, "--json", *extra)
    return dict(json.loads(done.stdout))


#: Events that end a task: what a task ordered ``after`` it waits for (a rejected task may be
#: planned again, so its last such event is the one that counts).
ENDED = (
    journal.TASK_PROMOTED,
    journal.TASK_ACCEPTED,
    journal.TASK_REJECTED,
    journal.TASK_FAILED,
    journal.TASK_CANCELLED,
)


def events(repo: Path, run_id: str) -> list[Event]:
    return list(from_url(f"sqlite:///{repo / '.petri' / 'petri.db'}").replay(run_id))


def final_files(summary: dict[str, Any]) -> dict[str, str]:
    files = Path(summary["out"]) / "files"
    return {str(p.relative_to(files)): p.read_text() for p in sorted(files.rglob("*.py"))}


def prices_work(source: str) -> bool:
    """Whether prices.py (imports nothing) parses and taxes right beyond the tests' values."""
    namespace: dict[str, Any] = {}
    exec(compile(source, "prices.py", "exec"), namespace)
    parse, tax = namespace["parse_price"], namespace["with_tax"]
    parsed = [parse(t) for t in ("0", "3.1", "45.67", "100.01")]
    return bool(parsed == [0, 310, 4567, 10001] and [tax(200, 15), tax(7, 50)] == [230, 10])


def test_repairs_every_bug_in_dependency_order(tmp_path: Path, shop: Path) -> None:
    summary = repair(tmp_path / "home", shop, "--workers", "2")
    assert summary["status"] == "repaired", summary
    assert summary["holdout"] == {"passed": 4, "failed": 0}
    assert summary["promoted"] >= 2 and summary["tasks"]["failed"] == 0
    patch = Path(summary["patch"]).read_text()
    # both files changed: prices.py's two bugs and cart.py's, which they masked (judged by
    # behaviour, not by the words of a repair: the search may write an equivalent one)
    assert "+++ b/shop/prices.py" in patch and "+++ b/shop/cart.py" in patch
    assert prices_work(final_files(summary)["shop/prices.py"])
    found = events(shop, summary["run_id"])
    settled: dict[str, int] = {}
    released: dict[str, int] = {}
    for e in found:
        if e.type in ENDED:  # an ``after`` dependency orders tasks, whatever its outcome
            settled[str(e.payload["task"])] = e.seq
        elif e.type == "task_released":
            released.setdefault(str(e.payload["task"]), e.seq)
    planned = [e.payload["task"] for e in found if e.type == "task_planned"]
    ordered = [t for t in planned if t["after"]]
    for task in ordered:  # a task starts only once what it depends on has landed
        assert all(settled[d] < released[task["id"]] for d in task["after"])
    # The masked bug's tests run cart.py's lines that no passing test runs: they point there
    # in the first round already, and its repair waits for the prices.py repairs it imports.
    cart = [t for t in planned if t["payload"].get("file", "").endswith("cart.py")]
    assert cart
    same_round = str(cart[0]["id"]).rsplit("-", 1)[0]  # repair-ROUND-N
    prices = {
        t["id"]
        for t in planned
        if t["payload"].get("file", "").endswith("prices.py")
        and str(t["id"]).rsplit("-", 1)[0] == same_round
    }
    assert prices and prices <= set(cart[0]["after"])
    # The result is the repository's suite green in a sandbox check, and a patch per change.
    assert len(summary["patches"]) == summary["promoted"]


def test_the_same_seed_gives_the_same_repository_with_one_two_and_four_workers(
    tmp_path: Path, shop: Path
) -> None:
    import shutil

    results = []
    for workers in ("1", "2", "4"):
        repo = Path(shutil.copytree(shop, tmp_path / f"shop-{workers}"))
        summary = repair(tmp_path / "home", repo, "--workers", workers, "--seed", "3")
        assert summary["status"] == "repaired"
        results.append(final_files(summary))
    assert results[0] == results[1] == results[2]


def descendants(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True, check=False)
    kids = [int(p) for p in out.stdout.split()]
    return kids + [g for k in kids for g in descendants(k)]


def kill_at_random(args: list[str], home: Path, rng: random.Random) -> int | None:
    env = {**os.environ, "PETRI_HOME": str(home), "PETRI_SWARM__LEASE_S": "3"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "petri", *args], env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while not list((home / "runs").glob("*.json")) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(rng.uniform(0.5, 3.0))  # the whole repair takes a few seconds
    workers = descendants(proc.pid)
    if workers and rng.random() < 0.5:
        with contextlib.suppress(ProcessLookupError):
            os.kill(rng.choice(workers), signal.SIGKILL)
        time.sleep(rng.uniform(0.2, 1.0))
    if proc.poll() is None:
        proc.kill()
    return proc.wait()


def test_killed_and_resumed_swarm_ends_like_an_uninterrupted_one(
    tmp_path: Path, shop: Path
) -> None:
    import shutil

    calm = Path(shutil.copytree(shop, tmp_path / "calm"))
    reference = repair(tmp_path / "calm-home", calm, "--seed", "5")
    chaos = Path(shutil.copytree(shop, tmp_path / "chaos"))
    home, rng = tmp_path / "chaos-home", random.Random(7)
    start = ["swarm", "repair", str(chaos), "--seed", "5", "--task-evals", TASK_EVALS]
    kills = 0 if kill_at_random(start, home, rng) == 0 else 1
    run_id = next((home / "runs").glob("*.json")).stem
    for _ in range(10):
        if kills >= 3 or kill_at_random(["resume", run_id], home, rng) == 0:
            break
        kills += 1
    final = json.loads(petri(home, "resume", run_id, "--json", PETRI_SWARM__LEASE_S="3").stdout)
    assert kills >= 2, "the test must actually interrupt the run"
    assert final["status"] == "repaired"
    assert final_files(final) == final_files(reference)
    found = events(chaos, run_id)
    done = Counter(e.payload["task"] for e in found if e.type == "task_done")
    assert max(done.values()) == 1, "a task was counted done twice"
    promoted = Counter((e.payload["task"], e.payload["version"]) for e in found
                       if e.type == "task_promoted")  # fmt: skip
    assert max(promoted.values()) == 1


def test_two_tasks_on_one_file_keep_both_changes_on_redis(
    tmp_path: Path, shop: Path, redis_url: str
) -> None:
    url = f"{redis_url}?prefix=swarm-{os.getpid()}:"
    summary = repair(tmp_path / "home", shop, "--store", url, "--broker", url, "--workers", "2")
    assert prices_work(final_files(summary)["shop/prices.py"])
