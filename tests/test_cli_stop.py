"""``petri stop RUN``: the request goes into the run's store and the audit trail; unknown and
ended runs are one-line errors with a non-zero exit."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from petri.cli import app
from petri.evolve import journal
from petri.evolve.events import RunFinished
from petri.runtime.audit import AUDIT_RUN, default_store
from petri.runtime.runs import RunInfo, register
from petri.runtime.stop import stop_requested
from petri.runtime.store import from_url


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PETRI_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def petri(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def a_run(home: Path, run_id: str, kind: str = "evolve") -> RunInfo:
    store = f"sqlite:///{home.parent / run_id}.db"
    info = RunInfo(run_id, str(home.parent), store, "", str(home.parent / "out"), time.time(), kind)
    register(home, info)
    return info


def test_stop_writes_the_request_and_an_audit_event(home: Path) -> None:
    info = a_run(home, "r20260101-000000-aaaaaa")
    ran = petri("stop", "r20260101", "--reason", "wrong problem")
    assert ran.exit_code == 0, ran.stderr
    assert "evolve run r20260101-000000-aaaaaa stops after its current generation" in ran.stdout
    store = from_url(info.store)
    try:
        found = stop_requested(store, info.run_id)
    finally:
        store.close()
    assert found is not None and found.reason == "wrong problem" and "(cli)" in found.who
    trail = from_url(default_store(home))
    try:
        [entry] = [e.payload for e in trail.read(AUDIT_RUN)]
    finally:
        trail.close()
    assert entry["action"] == "stop" and entry["run"] == info.run_id
    assert entry["kind"] == "evolve" and entry["reason"] == "wrong problem"
    assert "(cli)" in entry["who"] and entry["at"] > 0


@pytest.mark.parametrize("kind", ["swarm", "ecosystem"])
def test_every_job_can_be_stopped(home: Path, kind: str) -> None:
    info = a_run(home, "r20260101-000000-bbbbbb", kind)
    ran = petri("stop", info.run_id)
    assert ran.exit_code == 0, ran.stderr
    assert f"{kind} run {info.run_id} stops" in ran.stdout


def test_an_unknown_run_is_a_one_line_error(home: Path) -> None:
    ran = petri("stop", "r-nope")
    assert ran.exit_code == 2
    assert ran.stderr.startswith("petri: error: no run 'r-nope'") and ran.stderr.count("\n") == 1
    assert not (home / "dashboard.db").exists()  # nothing audited


def test_a_finished_run_cannot_be_stopped(home: Path) -> None:
    info = a_run(home, "r20260101-000000-cccccc")
    store = from_url(info.store)
    try:
        done = RunFinished(status="repaired", best="x", evaluations=3, duration_s=1.0, out="o")
        store.append_many([journal.event(info.run_id, done)])
    finally:
        store.close()
    ran = petri("stop", info.run_id)
    assert ran.exit_code == 2 and "already ended (repaired); nothing to stop" in ran.stderr
    assert not (home / "dashboard.db").exists()  # nothing audited


def test_a_reason_too_long_is_refused(home: Path) -> None:
    info = a_run(home, "r20260101-000000-dddddd")
    ran = petri("stop", info.run_id, "--reason", "x" * 501)
    assert ran.exit_code == 2 and "keep it under 500" in ran.stderr
