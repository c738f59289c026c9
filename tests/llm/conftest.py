"""Fixtures of the model backend tests: scripted loopback servers and models aimed at them.

Nothing here reaches beyond 127.0.0.1: every model is built with the fake server's base URL,
the vendors' environment variables are cleared and proxies are bypassed for loopback.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fake_servers import KEYS, SERVERS, Vendor


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """The SDKs read base URLs, keys, profiles and proxies from the environment: clear them."""
    for name in list(os.environ):
        upper = name.upper()
        if upper.startswith(("OPENAI_", "ANTHROPIC_")) or upper.endswith("_PROXY"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


def _vendor(name: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Vendor]:
    server = SERVERS[name]().start()
    try:
        yield Vendor(name, server, KEYS[name], monkeypatch)
    finally:
        server.close()


@pytest.fixture(params=["openai", "anthropic"])
def vendor(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[Vendor]:
    """Each backend in turn, with a fresh scripted server."""
    yield from _vendor(request.param, monkeypatch)


@pytest.fixture
def openai_vendor(monkeypatch: pytest.MonkeyPatch) -> Iterator[Vendor]:
    yield from _vendor("openai", monkeypatch)


@pytest.fixture
def anthropic_vendor(monkeypatch: pytest.MonkeyPatch) -> Iterator[Vendor]:
    yield from _vendor("anthropic", monkeypatch)


@pytest.fixture
def events() -> tuple[list[dict[str, Any]], Callable[[dict[str, Any]], None]]:
    """A list that collects ledger events, and the callback that appends to it."""
    seen: list[dict[str, Any]] = []
    return seen, seen.append
