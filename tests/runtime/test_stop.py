"""Stop requests in a run's store: durable, cheap to check, withdrawn once honoured."""

from __future__ import annotations

from pathlib import Path

from petri.runtime.stop import (
    STOP_REQUESTED,
    STOP_WITHDRAWN,
    StopCheck,
    request_stop,
    stop_requested,
    withdraw,
)
from petri.runtime.store import NewEvent
from petri.runtime.store import from_url as store_from_url
from petri.runtime.store.memory import MemoryStore


def test_a_request_is_a_state_key_and_an_event_of_the_run(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'petri.db'}"
    store = store_from_url(url)
    try:
        assert stop_requested(store, "r1") is None
        asked = request_stop(store, "r1", "ada (cli)", "enough")
    finally:
        store.close()
    other = store_from_url(url)  # another process, the coordinator's, sees it
    try:
        found = stop_requested(other, "r1")
        [event] = other.read("r1")
    finally:
        other.close()
    assert found == asked and found.who == "ada (cli)" and found.reason == "enough"
    assert event.type == STOP_REQUESTED and event.payload["who"] == "ada (cli)"
    assert found.describe() == "stopped by ada (cli): enough"


def test_a_second_request_replaces_the_first_and_other_runs_are_untouched() -> None:
    store = MemoryStore()
    request_stop(store, "r1", "ada", "first")
    request_stop(store, "r1", "bob", "")
    found = stop_requested(store, "r1")
    assert found is not None and found.who == "bob" and found.describe() == "stopped by bob"
    assert stop_requested(store, "r2") is None


def test_withdraw_clears_a_request_with_its_events_in_one_write() -> None:
    store = MemoryStore()
    assert not withdraw(store, "r1", [NewEvent("r1", "resumed", {})])  # none pending
    request_stop(store, "r1", "ada")
    assert withdraw(store, "r1", [NewEvent("r1", "resumed", {})])
    assert stop_requested(store, "r1") is None
    types = [e.type for e in store.read("r1")]
    assert types == ["resumed", STOP_REQUESTED, "resumed", STOP_WITHDRAWN]


def test_the_check_looks_at_most_once_per_period_and_keeps_what_it_found() -> None:
    store = MemoryStore()
    now = [0.0]
    check = StopCheck(store, "r1", every_s=1.0, clock=lambda: now[0])
    assert check() is None  # the first call looks
    request_stop(store, "r1", "ada")
    now[0] = 0.5
    assert check() is None  # too soon to look again
    now[0] = 1.0
    found = check()
    assert found is not None and found.who == "ada"
    withdraw(store, "r1")
    assert check() == found  # seen once: the run is stopping


def test_a_malformed_value_is_no_request() -> None:
    store = MemoryStore()
    store.put("stop:r1", {"nobody": 1}, 0)
    assert stop_requested(store, "r1") is None
