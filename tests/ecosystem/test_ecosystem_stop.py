"""``petri stop`` on ecosystem runs: the run ends between ticks with status stopped and a
snapshot of the tick it reached; ``petri resume`` goes on to the world of an unstopped run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from petri.config import load_settings
from petri.ecosystem import run as eco_run
from petri.ecosystem.corpus import bundled_corpus
from petri.ecosystem.history import read_history
from petri.ecosystem.run import resume_ecosystem, start_ecosystem
from petri.run_control import ended
from petri.runtime.runs import lookup, recent
from petri.runtime.stop import request_stop, stop_requested
from petri.runtime.store import from_url

SMALL = {"width": 16, "height": 16, "organisms": 120, "ticks": 16, "snapshot_every": 8,
         "measure_every": 6}  # fmt: skip


def start(tmp_path: Path, name: str, stop_at: int | None = None) -> dict[str, Any]:
    home = tmp_path / "home"
    settings = load_settings(ecosystem=SMALL, home=home)

    def progress(tick: dict[str, Any]) -> None:
        if tick["tick"] == stop_at:
            [info] = [i for i in recent(home) if f"/{name}/" in i.store]
            store = from_url(info.store)
            try:
                request_stop(store, info.run_id, "ada (cli)", "lunch")
            finally:
                store.close()

    folder = tmp_path / name / ".petri"
    return start_ecosystem(bundled_corpus(), settings, state_dir=folder, progress=progress)


def test_a_stopped_run_ends_at_the_tick_reached_and_resumes_to_the_same_world(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(eco_run, "STOP_CHECK_S", 0.0)  # look at every tick
    whole = start(tmp_path, "whole")
    stopped = start(tmp_path, "stopped", stop_at=5)
    assert stopped["status"] == "stopped" and stopped["ticks"] == 5
    assert stopped["stopped"] == "stopped by ada (cli): lunch"
    out = Path(stopped["out"])
    assert json.loads((out / "summary.json").read_text()) == stopped
    assert (out / "snapshots" / "tick-000005.json").is_file()
    home = tmp_path / "home"
    info = lookup(home, stopped["run_id"])
    history = read_history(info)
    assert history.status == "stopped" and history.row()["status"] == "stopped"
    assert ended(info) == "stopped"

    monkeypatch.setenv("PETRI_HOME", str(home))
    resumed = resume_ecosystem(home, stopped["run_id"])
    assert resumed["status"] == "finished" and resumed["ticks"] == 16
    assert resumed["world_digest"] == whole["world_digest"]
    assert read_history(info).status == "finished"
    store = from_url(info.store)
    try:
        assert stop_requested(store, info.run_id) is None  # the honoured request is withdrawn
        ticks = [e.payload["tick"] for e in store.replay(info.run_id) if e.type == "tick"]
    finally:
        store.close()
    assert ticks == list(range(1, 17))  # none recorded twice
