"""Store fixtures: ``store_url`` runs a test on every backend, each test on fresh keys.

Redis and NATS are the real servers started by ``tests/runtime/conftest.py`` (``redis_url`` /
``nats_url``), which skip when the server binary is absent.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

BACKENDS = ["memory", "sqlite", "redis", "nats"]


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, store_url_on: Callable[[str], str]) -> str:
    return store_url_on(request.param)


@pytest.fixture
def url_for(store_url_on: Callable[[str], str]) -> Callable[[str], str]:
    """``url_for("redis")``: a fresh URL for one backend, for tests that pick their own."""
    return store_url_on
