"""Prime numbers by the sieve of Eratosthenes."""

from math import isqrt


def primes_upto(n: int) -> list[int]:
    """Every prime p with 2 <= p <= n, ascending."""
    if n < 2:
        return []
    flags = [True] * (n + 1)
    flags[0] = flags[1] = False
    for p in range(2, isqrt(n) + 1):
        if flags[p]:
            for multiple in range(p * p, n + 1, p):
                flags[multiple] = False
    return [i for i, prime in enumerate(flags) if prime]


def count_primes(n: int) -> int:
    """How many primes are at most ``n``."""
    return len(primes_upto(n))
