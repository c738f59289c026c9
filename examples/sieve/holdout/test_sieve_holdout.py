from sieve import count_primes, primes_upto


def _is_prime(k: int) -> bool:
    return k >= 2 and all(k % d for d in range(2, int(k**0.5) + 1))


def test_every_bound_up_to_two_hundred() -> None:
    for n in range(200):
        assert primes_upto(n) == [k for k in range(n + 1) if _is_prime(k)]


def test_count_up_to_a_thousand() -> None:
    assert count_primes(1000) == 168
    assert count_primes(100) == 25
