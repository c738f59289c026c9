import pytest

from numtheory import gcd, lcm, reduce_fraction


@pytest.mark.parametrize(("a", "b", "expected"), [(12, 18, 6), (17, 5, 1), (0, 7, 7)])
def test_gcd(a: int, b: int, expected: int) -> None:
    assert gcd(a, b) == expected


def test_gcd_of_zeros_is_zero() -> None:
    assert gcd(0, 0) == 0


def test_lcm() -> None:
    assert lcm(4, 6) == 12


def test_lcm_with_zero() -> None:
    assert lcm(0, 9) == 0


def test_reduce_fraction() -> None:
    assert reduce_fraction(6, 8) == (3, 4)


def test_zero_denominator_is_rejected() -> None:
    with pytest.raises(ZeroDivisionError):
        reduce_fraction(1, 0)
