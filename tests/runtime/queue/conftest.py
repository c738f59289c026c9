"""The ``backend`` fixture: every contract test runs once per queue backend."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from queue_helpers import Backend, FakeClock, RealClock

from petri.runtime.queue import Queue


@pytest.fixture(params=["memory", "sqlite", "redis", "nats"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    scheme: str = request.param
    if scheme == "memory":
        made = Backend(scheme, "memory://", FakeClock(), True, 30.0)
    elif scheme == "sqlite":
        made = Backend(scheme, f"sqlite:///{tmp_path}/queue.db", FakeClock(), True, 30.0)
    elif scheme == "redis":
        made = Backend(scheme, request.getfixturevalue("redis_url"), FakeClock(), True, 30.0)
    else:
        url = request.getfixturevalue("nats_url")
        made = Backend(scheme, url, RealClock(), False, 1.0, base=0.2)
    yield made
    for queue in made.opened:
        queue.close()


@pytest.fixture
def q(backend: Backend) -> Queue:
    """The first handle on the backend's queue."""
    return backend.make()
