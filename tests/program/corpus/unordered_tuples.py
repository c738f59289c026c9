"""Sets and frozensets returned or made tuples where the order of first appearance was meant,
the slip ``keep_order`` repairs; ``len(set(xs))`` loses nothing and is left alone."""


def distinct_tuple(values: list[int]) -> tuple[int, ...]:
    return tuple(frozenset(values))


def first_seen(values: list[str]) -> set[str]:
    return set(values)


def how_many_distinct(values: list[int]) -> int:
    return len(set(values))
