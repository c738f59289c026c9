"""Counting the 1 bits of a number."""


def popcount(n: int) -> int:
    """How many 1 bits the non-negative ``n`` has."""
    if n < 0:
        raise ValueError("a negative number has infinitely many 1 bits")
    count = 0
    while n:
        n &= n - 1  # clears the lowest 1 bit
        count += 1
    return count


def parity(n: int) -> int:
    """1 when the non-negative ``n`` has an odd number of 1 bits, else 0."""
    result = 0
    while n > 0:
        result ^= n & 1
        n >>= 1
    return result
