"""The dashboard's index of evolve runs, on the events of a real run: it reads what a page shows
the same as a full replay, a page of events at a time, and keeps it across restarts."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from petri.config import load_settings
from petri.evolve.journal import RunState
from petri.evolve.run import start_run
from petri.problem import load_problem
from petri.runtime.runs import RunInfo, recent
from petri.runtime.store import from_url
from petri.web import evolve_index
from petri.web.evolve_index import EvolveIndex

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[RunInfo, RunState]:
    """A finished repair of fizzbuzz, and its state replayed from every event."""
    root = tmp_path_factory.mktemp("index")
    problem = root / "fizzbuzz"
    shutil.copytree(EXAMPLES / "fizzbuzz", problem)
    evolve = {"max_evals": 60, "seed": 1, "workers": 1}
    start_run(load_problem(problem), load_settings(problem, evolve=evolve, home=root / "home"))
    info = recent(root / "home", 1)[0]
    store = from_url(info.store)
    try:
        return info, RunState.replay(info.run_id, store.replay(info.run_id))
    finally:
        store.close()


def test_the_index_shows_what_a_full_replay_shows(
    run: tuple[RunInfo, RunState], tmp_path: Path
) -> None:
    info, full = run
    index = EvolveIndex(tmp_path / "index.db")
    assert index.catch_up(info).caught_up
    state = index.state(info)
    assert state.evaluations == full.evaluations and state.last_seq == full.last_seq
    assert state.promoted == full.promoted and state.finished == full.finished
    assert state.generations == full.generations and state.best == full.best
    assert state.objectives == full.objectives and state.started == full.started
    best = full.best
    assert best is not None and state.born[best] == full.born[best]  # with its source
    origin = full.origin
    assert origin is not None and state.born[origin.id].source == origin.source
    for pid in state.generations[-1].front:
        assert state.records[pid] == full.records[pid]
    ancestor = full.born[best].parents[0] if full.born[best].parents else best
    assert ancestor in state.born  # the lineage is there, without its sources
    summary = index.summary(info)
    assert summary.evaluations == full.evaluations and not summary.born


def test_only_a_sample_of_evaluations_is_loaded_for_the_front_plot(
    run: tuple[RunInfo, RunState], tmp_path: Path
) -> None:
    info, full = run
    index = EvolveIndex(tmp_path / "index.db")
    index.catch_up(info)
    state = index.state(info, sample=5)
    wanted = set(state.generations[-1].front) | set(state.born)
    assert len(set(state.records) - wanted) <= 5 < full.evaluations
    assert state.evaluations == full.evaluations  # the count is the run's, not the sample's


def test_catching_up_reads_a_page_at_a_time_and_resumes_where_it_stopped(
    run: tuple[RunInfo, RunState], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    info, full = run
    monkeypatch.setattr(evolve_index, "PAGE", 7)
    index = EvolveIndex(tmp_path / "index.db")
    first = index.catch_up(info, budget_s=0)
    assert first.last_seq == 7 and not first.caught_up
    index.close()
    again = EvolveIndex(tmp_path / "index.db")  # a dashboard that restarted
    assert again.catch_up(info, budget_s=0).last_seq == 14
    while not again.catch_up(info, budget_s=0).caught_up:
        pass
    assert again.state(info).evaluations == full.evaluations
    assert again.evaluations(info.run_id, limit=1000)[-1]["n"] == 1  # nothing read twice


def test_evaluations_are_paged_newest_first_and_filtered(
    run: tuple[RunInfo, RunState], tmp_path: Path
) -> None:
    info, full = run
    index = EvolveIndex(tmp_path / "index.db")
    index.catch_up(info)
    first = index.evaluations(info.run_id, limit=10)
    assert [r["n"] for r in first] == list(range(full.evaluations, full.evaluations - 10, -1))
    older = index.evaluations(info.run_id, before=first[-1]["n"], limit=10)
    assert older[0]["n"] == first[-1]["n"] - 1
    by_id = {r.id: r for r in full.records.values()}
    assert all(r["status"] == by_id[r["id"]].status.value for r in first + older)
    failed = index.evaluations(info.run_id, limit=1000, status="failed")
    assert len(failed) == sum(r.status.value == "failed" for r in full.records.values())
    counts = index.outcomes([info.run_id])
    assert sum(counts.values()) == full.evaluations and counts.get("failed", 0) == len(failed)
    bounded, total = index.latency([info.run_id], [0.0, 1e9])
    assert bounded == [0, full.evaluations, full.evaluations]
    assert total == pytest.approx(sum(r.duration_s for r in full.records.values()), rel=1e-6)


def test_a_view_is_kept_until_the_run_has_news(tmp_path: Path) -> None:
    index = EvolveIndex(tmp_path / "index.db")
    index.keep_view("r1", 10, "<p>drawn</p>")
    assert index.cached_view("r1", 10, max_age_s=0) == "<p>drawn</p>"
    assert index.cached_view("r1", 11, max_age_s=60) == "<p>drawn</p>"  # fresh enough
    assert index.cached_view("r1", 11, max_age_s=0) is None
    assert index.cached_view("r2", 10, max_age_s=60) is None
