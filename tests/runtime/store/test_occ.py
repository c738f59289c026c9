"""Optimistic concurrency: K writers x M compare-and-set increments reach exactly K*M.

Every state backend, with real processes (memory: threads, it lives in one process). Each
increment also appends an event in the same write, so the log must hold exactly K*M of them.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable

import pytest

from petri.errors import StateConflict
from petri.runtime.store import NewEvent, Store, from_url

K, M = 4, 25


def increment_many(store: Store, times: int) -> int:
    """Do ``times`` CAS increments of ``counter``, retrying on conflict; return conflicts seen."""
    conflicts = 0
    for _ in range(times):
        while True:
            value, version = store.get("counter")
            try:
                store.put(
                    "counter",
                    (value or 0) + 1,
                    version,
                    events=[NewEvent("occ", "incremented", {"from": value or 0})],
                )
                break
            except StateConflict:
                conflicts += 1
    return conflicts


def child(url: str, times: int) -> None:
    store = from_url(url)
    increment_many(store, times)
    store.close()


@pytest.mark.parametrize("backend", ["sqlite", "redis", "nats", "memory"])
def test_concurrent_increments_are_never_lost(backend: str, url_for: Callable[[str], str]) -> None:
    url = url_for(backend)
    store = from_url(url)
    if backend == "memory":
        workers: list[threading.Thread | multiprocessing.process.BaseProcess] = [
            threading.Thread(target=increment_many, args=(store, M)) for _ in range(K)
        ]
    else:
        ctx = multiprocessing.get_context("fork")
        workers = [ctx.Process(target=child, args=(url, M)) for _ in range(K)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
        assert getattr(worker, "exitcode", 0) == 0
    assert store.get("counter")[0] == K * M
    froms = sorted(e.payload["from"] for e in store.replay("occ"))
    assert froms == list(range(K * M))
    store.close()
