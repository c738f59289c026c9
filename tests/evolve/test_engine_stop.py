"""``petri stop`` on evolve runs: the engine ends between generations with status stopped, a
real run writes its outputs and finishes as stopped, and a stopped run is not resumed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from judge_double import FakeEvaluator, started
from typer.testing import CliRunner

from petri.cli import app
from petri.config import EvolveSettings, load_settings
from petri.evolve.engine import Engine, Progress
from petri.evolve.journal import RunState
from petri.evolve.run import start_run
from petri.problem import load_problem
from petri.runtime.runs import recent
from petri.runtime.stop import StopCheck, request_stop
from petri.runtime.store import from_url
from petri.runtime.store.memory import MemoryStore


def engine(store: MemoryStore, stop: bool, **hooks: Any) -> Engine:
    # statement edits alone do not repair the double: the search runs its whole budget
    settings = EvolveSettings(seed=0, max_evals=60, operators="statements")
    if stop:
        hooks["stop"] = StopCheck(store, "r1")
    return Engine("r1", store, FakeEvaluator(), settings, **hooks)


def test_a_request_ends_the_run_after_the_current_generation() -> None:
    store = MemoryStore()
    reports: list[Progress] = []

    def progress(p: Progress) -> None:
        reports.append(p)
        if len(reports) == 2:  # after the baseline and one generation
            request_stop(store, "r1", "ada (cli)", "enough")

    state = engine(store, True, progress=progress).run(started())
    assert state.promoted is not None and state.promoted.status == "stopped"
    assert len(state.generations) == 1 and len(reports) == 2
    best = state.best
    assert best is not None and best in state.records
    # no minimization after a stop: nothing is judged after the last generation
    assert state.evaluations == state.generations[-1].evaluations


def test_without_a_request_the_events_are_those_of_a_run_without_the_check() -> None:
    checked, plain = MemoryStore(), MemoryStore()
    engine(checked, True).run(started())
    whole = engine(plain, False).run(started())
    assert len(whole.generations) > 1  # the stopped run above ended early
    assert whole.promoted is not None and whole.promoted.status != "stopped"
    as_list = [(e.type, e.payload) for e in checked.read("r1")]
    assert as_list == [(e.type, e.payload) for e in plain.read("r1")]


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PETRI_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def test_a_real_run_stopped_after_its_baseline_finishes_as_stopped(
    tmp_path: Path, examples: Path, home: Path
) -> None:
    problem = tmp_path / "fizzbuzz"
    shutil.copytree(examples / "fizzbuzz", problem, ignore=shutil.ignore_patterns(".petri"))
    loaded = load_problem(problem)
    settings = load_settings(loaded.root, evolve={"seed": 1, "max_evals": 600, "workers": 1})

    def stop_now(_: Progress) -> None:
        info = recent(home, 1)[0]
        store = from_url(info.store)
        try:
            request_stop(store, info.run_id, "ada (cli)")
        finally:
            store.close()

    summary = start_run(loaded, settings, progress=stop_now)
    assert summary["status"] == "stopped" and summary["generations"] == 0
    out = Path(summary["out"])
    for name in ("fizz.py", "patch.diff", "pareto.json", "lineage.json", "summary.json"):
        assert (out / name).is_file(), name
    run_id = summary["run_id"]
    store = from_url(recent(home, 1)[0].store)
    try:
        state = RunState.replay(run_id, store.replay(run_id))
    finally:
        store.close()
    assert state.finished is not None and state.finished.status == "stopped"

    runner = CliRunner()
    status = runner.invoke(app, ["status", run_id, "--json"])
    assert json.loads(status.stdout)["status"] == "stopped"
    resumed = runner.invoke(app, ["resume", run_id])
    assert resumed.exit_code == 2
    assert "was stopped and is finished" in resumed.stderr
    again = runner.invoke(app, ["stop", run_id])
    assert again.exit_code == 2 and "already ended (stopped)" in again.stderr
