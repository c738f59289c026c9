import pytest

from sieve import count_primes, primes_upto


@pytest.mark.parametrize("n", [-5, 0, 1])
def test_no_primes_below_two(n: int) -> None:
    assert primes_upto(n) == []


def test_two() -> None:
    assert primes_upto(2) == [2]


def test_up_to_a_prime() -> None:
    assert primes_upto(13) == [2, 3, 5, 7, 11, 13]


def test_up_to_ten() -> None:
    assert primes_upto(10) == [2, 3, 5, 7]


def test_up_to_a_square() -> None:
    assert primes_upto(25) == [2, 3, 5, 7, 11, 13, 17, 19, 23]


def test_count_below_a_hundred() -> None:
    assert count_primes(97) == 25
