"""The program petri judges: replace it with yours, and tests/ with its tests."""


def is_prime(n: int) -> bool:
    """True when n is a prime number."""
    if n < 2:
        return False
    divisor = 2
    while divisor * divisor <= n:
        if n % divisor == 0:
            return False
        divisor += 1
    return True
