"""Store fixtures: ``store_url`` runs a test on every backend, each test on fresh keys.

Redis and NATS are the real servers started by ``tests/runtime/conftest.py`` (``redis_url`` /
``nats_url``), which skip when the server binary is absent.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

BACKENDS = ["memory", "sqlite", "redis", "nats"]


def backend_url(request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> str:
    """A URL for ``backend`` whose keys no other test uses."""
    tag = "t" + uuid.uuid4().hex[:10]
    if backend == "memory":
        return "memory://"
    if backend == "sqlite":
        return f"sqlite:///{tmp_path}/{tag}.db"
    base = str(request.getfixturevalue(f"{backend}_url"))
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}prefix={tag}" + (":" if backend == "redis" else "")


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return backend_url(request, request.param, tmp_path)


@pytest.fixture
def url_for(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[str], str]:
    """``url_for("redis")``: a fresh URL for one backend, for tests that pick their own."""
    return lambda backend: backend_url(request, backend, tmp_path)
