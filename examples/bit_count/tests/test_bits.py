import pytest

from bits import parity, popcount


@pytest.mark.parametrize(("n", "ones"), [(0, 0), (1, 1), (255, 8), (0b1011, 3)])
def test_popcount(n: int, ones: int) -> None:
    assert popcount(n) == ones


def test_popcount_of_negative_is_rejected() -> None:
    with pytest.raises(ValueError):
        popcount(-1)


@pytest.mark.parametrize(("n", "expected"), [(0, 0), (3, 0), (0b1001, 0)])
def test_even_parity(n: int, expected: int) -> None:
    assert parity(n) == expected


@pytest.mark.parametrize(("n", "expected"), [(1, 1), (7, 1), (0b1000, 1)])
def test_odd_parity(n: int, expected: int) -> None:
    assert parity(n) == expected
