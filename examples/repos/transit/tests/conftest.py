"""Fixtures: the bundled network and fares, and the small networks under tests/data/."""

from __future__ import annotations

from pathlib import Path

import pytest

from transit.fares import load_prices
from transit.network import Network, load_network

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def network() -> Network:
    """The network that ships with the package."""
    return load_network()


@pytest.fixture(scope="session")
def mini() -> Network:
    """Five stops, A to E, with transfers timed to the minute (tests/data/mini)."""
    return load_network(DATA / "mini")


@pytest.fixture
def prices() -> list[int]:
    return load_prices()


@pytest.fixture
def data_dir() -> Path:
    return DATA
