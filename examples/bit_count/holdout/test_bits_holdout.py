from bits import parity, popcount


def test_parity_agrees_with_popcount() -> None:
    for n in range(1024):
        assert parity(n) == popcount(n) % 2


def test_popcount_of_large_numbers() -> None:
    assert popcount(2**100) == 1
    assert popcount(2**64 - 1) == 64


def test_popcount_matches_bin() -> None:
    for n in range(0, 5000, 7):
        assert popcount(n) == bin(n).count("1")
