"""The judge: an ordinary pytest suite that imports the program by its module name."""

import pytest

from program import is_prime


@pytest.mark.parametrize("n", [2, 3, 5, 7, 11, 97, 7919])
def test_primes(n: int) -> None:
    assert is_prime(n)


@pytest.mark.parametrize("n", [-7, 0, 1, 4, 9, 91, 7917])
def test_not_primes(n: int) -> None:
    assert not is_prime(n)
