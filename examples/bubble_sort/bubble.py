"""Bubble sort that stops as soon as a pass swaps nothing."""


def bubble_sort(xs: list[int]) -> list[int]:
    """A sorted copy of ``xs``; ``xs`` itself is left unchanged."""
    out = list(xs)
    n = len(out)
    for done in range(n):
        swapped = False
        for j in range(n - 1 - done):
            if out[j] > out[j + 1]:
                out[j], out[j + 1] = out[j + 1], out[j]
                swapped = False
        if not swapped:
            break  # a pass without swaps means the list is sorted
    return out
