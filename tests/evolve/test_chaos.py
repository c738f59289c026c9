"""Chaos: an evolve run killed with SIGKILL again and again (coordinator and workers), resumed
each time, ends exactly where an uninterrupted run with the same seed ends."""

from __future__ import annotations

import contextlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from petri.evolve.events import EVALUATED
from petri.evolve.journal import RunState
from petri.runtime.store import from_url

pytestmark = pytest.mark.slow

SEED, BUDGET = "4", "300"


def petri_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "petri", *args]


def copy_problem(examples: Path, dest: Path) -> Path:
    shutil.copytree(examples / "fizzbuzz", dest, ignore=shutil.ignore_patterns(".petri"))
    return dest


def outcome(problem: Path, run_id: str) -> tuple[object, ...]:
    store = from_url(f"sqlite:///{problem / '.petri' / 'petri.db'}")
    events = list(store.replay(run_id))
    evaluated = [e.payload["id"] for e in events if e.type == EVALUATED]
    assert len(evaluated) == len(set(evaluated)), "an evaluation was counted twice"
    state = RunState.replay(run_id, events)
    assert state.promoted is not None and state.last_generation is not None
    front = state.last_generation.front
    return state.promoted.id, state.promoted.status, front, sorted(state.records)


def descendants(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True, check=False)
    kids = [int(p) for p in out.stdout.split()]
    return kids + [g for k in kids for g in descendants(k)]


def registered(home: Path) -> list[Path]:
    return sorted((home / "runs").glob("*.json")) if (home / "runs").is_dir() else []


def kill_at_random(
    cmd: list[str], env: dict[str, str], rng: random.Random, home: Path
) -> int | None:
    """Start ``cmd``; once its run is registered, SIGKILL a worker and then the coordinator at
    random moments."""
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not registered(home) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(rng.uniform(0.2, 2.0))
    workers = descendants(proc.pid)
    if workers and rng.random() < 0.5:
        with contextlib.suppress(ProcessLookupError):  # it may have just finished
            os.kill(rng.choice(workers), signal.SIGKILL)
        time.sleep(rng.uniform(0.1, 0.8))
    if proc.poll() is None:
        proc.kill()
    proc.wait()
    return proc.returncode


def test_killed_and_resumed_run_matches_an_uninterrupted_one(
    tmp_path: Path, examples: Path
) -> None:
    env = {**os.environ, "PETRI_HOME": str(tmp_path / "home")}
    chaos_home = tmp_path / "chaos-home"
    calm = copy_problem(examples, tmp_path / "calm")
    ran = subprocess.run(
        petri_cmd("evolve", str(calm), "--seed", SEED, "--max-evals", BUDGET, "--json"),
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    reference = json.loads(ran.stdout)

    chaos = copy_problem(examples, tmp_path / "chaos")
    rng = random.Random(11)
    start = petri_cmd("evolve", str(chaos), "--seed", SEED, "--max-evals", BUDGET, "--json")
    env = {**env, "PETRI_HOME": str(chaos_home)}
    kill_at_random(start, env, rng, chaos_home)
    runs = registered(chaos_home)
    assert len(runs) == 1, "the run registers itself before any work"
    run_id = runs[0].stem
    kills = 1
    for _ in range(12):
        if kill_at_random(petri_cmd("resume", run_id, "--json"), env, rng, chaos_home) == 0:
            break
        kills += 1
    final = subprocess.run(
        petri_cmd("resume", run_id, "--json"), env=env, capture_output=True, text=True, check=True
    )
    assert kills >= 3, "the test must actually interrupt the run several times"
    assert json.loads(final.stdout)["best"]["id"] == reference["best"]["id"]
    assert outcome(chaos, run_id) == outcome(calm, str(reference["run_id"]))
    leftover = subprocess.run(
        ["pgrep", "-f", f"petri resume {run_id}"], capture_output=True, check=False
    )
    assert leftover.stdout == b""
