from pathlib import Path

import pytest


@pytest.fixture
def expected() -> list[str]:
    """The first 30 answers, one per line, from a data file next to the tests."""
    return (Path(__file__).parent / "expected.txt").read_text().split()
