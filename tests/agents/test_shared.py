"""Shared state: compare-and-set on every store backend; ``update`` rebases, so parallel writers
(threads here, processes on SQLite and Redis) never lose an update."""

from __future__ import annotations

import multiprocessing
import threading

import pytest

from petri.agents.shared import SharedState
from petri.errors import StateConflict
from petri.runtime.store import from_url


def test_a_stale_write_raises_and_changes_nothing(any_store_url: str) -> None:
    shared = SharedState(from_url(any_store_url), "run")
    first = shared.put("doc", {"v": 1}, 0)
    with pytest.raises(StateConflict) as caught:
        shared.put("doc", {"v": 2}, 0)
    assert caught.value.key.endswith("doc") and caught.value.actual == first
    assert shared.get("doc") == ({"v": 1}, first)


def test_parallel_updates_from_threads_are_all_kept(any_store_url: str) -> None:
    store = from_url(any_store_url)
    writers = [SharedState(store, "run") for _ in range(4)]
    go = threading.Barrier(len(writers))  # the writers race from the same moment
    started = threading.Semaphore(0)

    def bump(shared: SharedState) -> None:
        started.release()
        go.wait(timeout=30)
        for _ in range(25):
            shared.update("counter", lambda value, version: (value or 0) + 1)

    threads = [threading.Thread(target=bump, args=(w,)) for w in writers]
    for t in threads:
        # One thread starting at a time: under coverage, threads that start together can race
        # installing its trace function, and the loser dies before running (CPython 3.11).
        t.start()
        assert started.acquire(timeout=30)
    for t in threads:
        t.join()
    value, _ = writers[0].get("counter")
    assert value == 100
    assert sum(w.conflicts for w in writers) >= 0  # races are counted, never lost


def _bump_in_process(url: str, n: int) -> None:
    shared = SharedState(from_url(url), "run")
    for i in range(n):
        shared.update("lines", lambda value, version, i=i: [*(value or []), f"{i}"])


def test_parallel_updates_from_processes_are_all_kept(shared_store_url: str) -> None:
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_bump_in_process, args=(shared_store_url, 20)) for _ in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    value, _ = SharedState(from_url(shared_store_url), "run").get("lines")
    assert len(value) == 60


def test_update_writes_its_events_with_the_value(any_store_url: str) -> None:
    from petri.runtime.store import NewEvent

    store = from_url(any_store_url)
    shared = SharedState(store, "run")
    shared.update("x", lambda v, ver: 1, lambda v, ver: [NewEvent("run", "set", {"to": v})])
    assert [(e.type, e.payload) for e in store.read("run")] == [("set", {"to": 1})]
