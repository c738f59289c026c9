"""Sum of the squares 1..n, the slow way: a search can find the closed form."""


def sum_of_squares(n: int) -> int:
    """1² + 2² + ... + n²."""
    total = 0
    for i in range(1, n + 1):
        total += i * i
    return total
