"""Where a value goes in a sorted list, found by halving the range.

The search between the markers is what evolution may change; `insert_sorted` below them uses it
and stays as it is.
"""

# EVOLVE-BLOCK-START
def insert_position(items, value, compare=None):
    """The first index i with items[i] >= value (len(items) when there is none)."""
    less = compare or (lambda a, b: a < b)
    low, high = 0, len(items) - 1
    while low < high:
        middle = (low + high) // 2
        if less(items[middle], value):
            low = middle + 1
        else:
            high = middle
    return low
# EVOLVE-BLOCK-END


def insert_sorted(items, value):
    """A copy of the sorted list items with value in its place."""
    at = insert_position(items, value)
    return items[:at] + [value] + items[at:]
