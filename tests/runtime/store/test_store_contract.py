"""The store contract, run on every backend (memory, sqlite, real redis, real NATS)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

from petri.errors import BackendError, StateConflict
from petri.runtime.store import NewEvent, Store, from_url


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        self.now += 1.0
        return self.now


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    store = from_url(store_url, clock=Clock())
    yield store
    store.close()


def seqs(events: list[object]) -> list[int]:
    return [e.seq for e in events]  # type: ignore[attr-defined]


def increasing(values: list[int]) -> bool:
    return all(a < b for a, b in itertools.pairwise(values)) and values[0] > 0


def test_append_many_assigns_increasing_seqs_per_run(store: Store) -> None:
    batch = [NewEvent("r1", "born", {"i": i}) for i in range(5)] + [NewEvent("r2", "other")]
    stored = store.append_many(batch)
    assert [e.payload for e in stored[:5]] == [{"i": i} for i in range(5)]
    assert increasing(seqs(stored[:5]))
    assert {e.time for e in stored} == {1_001.0}
    more = store.append("r1", "late", {"x": [1, 2]})
    assert more.seq > stored[4].seq
    assert store.read("r1") == [*stored[:5], more]
    assert store.read("r2") == [stored[5]]
    assert store.append_many([]) == []


def test_read_from_a_sequence_with_a_limit(store: Store) -> None:
    stored = store.append_many([NewEvent("r", "e", {"i": i}) for i in range(10)])
    assert store.read("r", after_seq=stored[6].seq) == stored[7:]
    assert store.read("r", after_seq=stored[1].seq, limit=3) == stored[2:5]
    assert store.read("r", limit=0) == []
    assert store.read("nobody") == []


def test_replay_pages_through_the_whole_log(store: Store) -> None:
    store.page = 3
    stored = store.append_many([NewEvent("r", "e", {"i": i}) for i in range(8)])
    assert list(store.replay("r")) == stored
    assert list(store.replay("r", after_seq=stored[5].seq)) == stored[6:]


def test_compact_drops_old_events_and_never_reuses_a_sequence(store: Store) -> None:
    stored = store.append_many([NewEvent("r", "e", {"i": i}) for i in range(6)])
    store.append("keep", "e")
    store.compact("r", keep_after_seq=stored[3].seq)
    assert store.read("r") == stored[4:]
    store.compact("r", keep_after_seq=stored[5].seq)
    assert store.read("r") == []
    after = store.append("r", "e", {"i": 6})
    assert after.seq > stored[5].seq
    assert store.read("r") == [after]
    assert len(store.read("keep")) == 1


def test_state_starts_absent_then_versions_grow(store: Store) -> None:
    assert store.get("k") == (None, 0)
    v1 = store.put("k", {"n": 1, "tags": ["a"]}, expected_version=0)
    assert v1 > 0
    assert store.get("k") == ({"n": 1, "tags": ["a"]}, v1)
    v2 = store.put("k", {"n": 2}, expected_version=v1)
    assert v2 > v1
    assert store.get("k") == ({"n": 2}, v2)


def test_stale_write_raises_conflict_and_stores_nothing(store: Store) -> None:
    v1 = store.put("k", 1, 0)
    v2 = store.put("k", 2, v1)
    with pytest.raises(StateConflict) as info:
        store.put("k", 99, v1, events=[NewEvent("r", "should-not-exist")])
    assert (info.value.key, info.value.expected, info.value.actual) == ("k", v1, v2)
    with pytest.raises(StateConflict):
        store.put("k", 99, 0)
    with pytest.raises(StateConflict):
        store.put("fresh", 1, 7)
    assert store.get("k") == (2, v2)
    assert store.get("fresh") == (None, 0)
    assert store.read("r") == []


def test_put_writes_its_events_with_the_state(store: Store) -> None:
    before = store.append("run", "start")
    version = store.put(
        "score", 10, 0, events=[NewEvent("run", "scored", {"v": 10}), NewEvent("run", "noted")]
    )
    events = store.read("run")
    assert [e.type for e in events] == ["start", "scored", "noted"]
    assert events[1].payload == {"v": 10}
    assert increasing([before.seq, *seqs(events[1:])])
    assert store.get("score") == (10, version)


def test_keys_and_runs_with_awkward_characters(store: Store) -> None:
    key, run = "agent/7: plan.v2 *>", "run.with spaces/and>stars*"
    version = store.put(key, "x", 0, events=[NewEvent(run, "t")])
    assert store.get(key) == ("x", version)
    assert [e.type for e in store.read(run)] == ["t"]


def test_rejects_what_cannot_be_stored(store: Store) -> None:
    with pytest.raises(BackendError, match="JSON"):
        store.put("k", object(), 0)
    with pytest.raises(ValueError):
        store.append("", "t")
    with pytest.raises(ValueError):
        store.put("k", 1, -1)
    assert store.get("k") == (None, 0)


def test_close_then_reuse_reconnects(store: Store) -> None:
    version = store.put("k", 1, 0)
    store.close()
    assert store.get("k") == (1, version)
    store.close()
    store.close()
