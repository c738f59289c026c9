from numtheory import gcd, lcm, reduce_fraction


def test_gcd_is_never_negative() -> None:
    assert gcd(-12, 18) == 6
    assert gcd(12, -18) == 6
    assert gcd(-7, 0) == 7


def test_gcd_is_symmetric() -> None:
    for a in range(30):
        for b in range(30):
            assert gcd(a, b) == gcd(b, a)


def test_lcm_of_coprimes_and_negatives() -> None:
    assert lcm(7, 9) == 63
    assert lcm(-4, 6) == 12


def test_reduce_fraction_moves_the_sign_up() -> None:
    assert reduce_fraction(3, -6) == (-1, 2)
    assert reduce_fraction(-3, -6) == (1, 2)
    assert reduce_fraction(0, 5) == (0, 1)
