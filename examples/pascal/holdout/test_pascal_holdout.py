from math import comb

from pascal import binomial, triangle


def test_matches_math_comb() -> None:
    for n in range(15):
        for k in range(n + 1):
            assert binomial(n, k) == comb(n, k)


def test_rows_sum_to_powers_of_two() -> None:
    for i, row in enumerate(triangle(12)):
        assert sum(row) == 2**i
        assert len(row) == i + 1
