"""Items two lists share.

Correct but slow: it builds a set of ``b`` and a ``seen`` set, then searches the lists anyway, so
every membership test scans a whole list. Using the sets makes it linear.
"""


def common_items(a: list[int], b: list[int]) -> list[int]:
    """The items of ``a`` that also occur in ``b``, once each, in ``a``'s order."""
    in_b = set(b)
    seen = set()
    out = []
    for x in a:
        if x in b and x not in out:
            seen.add(x)
            out.append(x)
    return out
