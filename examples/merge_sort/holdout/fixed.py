"""Merge sort, top down."""


def merge_sort(xs: list[int]) -> list[int]:
    """A sorted copy of ``xs``."""
    if len(xs) <= 1:
        return list(xs)
    mid = len(xs) // 2
    return _merge(merge_sort(xs[:mid]), merge_sort(xs[mid:]))


def _merge(a: list[int], b: list[int]) -> list[int]:
    out = []
    i = j = 0
    while i < len(a) and j < len(b):
        if a[i] <= b[j]:
            out.append(a[i])
            i += 1
        else:
            out.append(b[j])
            j += 1
    return out + a[i:] + b[j:]
