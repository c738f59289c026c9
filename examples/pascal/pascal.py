"""Pascal's triangle."""


def next_row(row: list[int]) -> list[int]:
    """The row below ``row``: each inner entry is the sum of the two entries above it."""
    return [1] + [left + right for left, right in zip(row, row)] + [1]


def triangle(n: int) -> list[list[int]]:
    """The first ``n`` rows."""
    rows: list[list[int]] = []
    row = [1]
    for _ in range(n):
        rows.append(row)
        row = next_row(row)
    return rows


def binomial(n: int, k: int) -> int:
    """n choose k, read off the triangle."""
    if not 0 <= k <= n:
        return 0
    return triangle(n + 1)[n][k]
