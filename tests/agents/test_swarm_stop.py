"""``petri stop`` on swarm runs: the coordinator stops in its loop (``swarm_stopped`` with who
asked), ``petri status`` says stopped, and ``petri resume`` withdraws the request and goes on."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_cli_swarm import GOAL  # one task whose result waits for review: the run stays open

from petri.agents import review
from petri.agents.launch import launch
from petri.agents.run import resume_swarm
from petri.errors import ConfigError
from petri.evolve.status import row_of
from petri.run_control import ended, stop_run
from petri.runtime.stop import stop_requested
from petri.runtime.store import from_url


def test_a_stop_is_honoured_when_the_run_goes_on_and_resume_continues_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("PETRI_HOME", str(home))
    path = tmp_path / "goal" / "GOAL.toml"
    path.parent.mkdir()
    path.write_text(GOAL)
    first = launch([str(path)], {})
    assert first["status"] == "waiting_for_review"
    run_id = first["run_id"]
    info, _ = stop_run(home, run_id, "ada (cli)", "not today")
    review.decide(home, "a", "approve", "fine", "bob")

    stopped = resume_swarm(home, run_id)  # e.g. the review's resume: the stop comes first
    assert stopped["status"] == "stopped"
    assert stopped["stopped"] == "stopped by ada (cli): not today"
    assert ended(info) == "stopped" and row_of(home, info)["status"] == "stopped"
    with pytest.raises(ConfigError, match="already ended"):
        stop_run(home, run_id, "ada (cli)")

    final = resume_swarm(home, run_id)
    assert final["status"] == "completed" and final["state"]["total"]["value"] == 5
    store = from_url(info.store)
    try:
        assert stop_requested(store, run_id) is None
        types = [e.type for e in store.replay(run_id)]
    finally:
        store.close()
    assert types.count("swarm_stopped") == 1 and "stop_withdrawn" in types
    assert types.index("stop_requested") < types.index("swarm_stopped")
