"""A list kept sorted as items arrive."""


def insert_sorted(xs: list[int], x: int) -> None:
    """Insert ``x`` into the ascending list ``xs``, in place, after any equal items."""
    i = len(xs)
    while i > 0 and xs[i - 1] > x:
        i -= 1
    xs.insert(i, x)


def sorted_from(items: list[int]) -> list[int]:
    """A new ascending list, built by inserting ``items`` one at a time."""
    out: list[int] = []
    for item in items:
        insert_sorted(out, item)
    return out


def rank(xs: list[int], x: int) -> int:
    """How many items of the ascending list ``xs`` are smaller than ``x``."""
    count = 0
    for item in xs:
        if item >= x:
            break
        count += 1
    return count
