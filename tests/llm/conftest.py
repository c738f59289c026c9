"""Fixtures of the model backend tests: every test here runs with loopback-only settings.

The scripted servers and the ``vendor`` fixtures live in ``tests/fake_servers.py`` and the
shared ``tests/conftest.py``, so that evolve's and the swarm's tests use them too.
"""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _loopback(loopback_only: None) -> None:
    """The SDKs read base URLs, keys, profiles and proxies from the environment: cleared."""
