"""Binary search in an ascending list."""


def binary_search(xs: list[int], target: int) -> int:
    """An index of ``target`` in the ascending list ``xs``, or -1 when it is absent."""
    lo, hi = 0, len(xs) - 1
    while lo <= hi:
        mid = (lo + hi) // 2
        if xs[mid] == target:
            return mid
        if xs[mid] < target:
            lo = mid + 1
        else:
            hi = mid - 1
    return -1


def contains(xs: list[int], target: int) -> bool:
    """Whether ``target`` is in the ascending list ``xs``."""
    return binary_search(xs, target) != -1
