"""List helpers."""


def head(xs: list[int]) -> list[int]:
    return xs[:1]


def largest_first(xs: list[int]) -> list[int]:
    return sorted(xs, reverse=True)


def count_positive(xs: list[int]) -> int:
    return len([x for x in xs if x > 0])


def last(xs: list[int]) -> int:
    return xs[-1]


def without_first(xs: list[int]) -> list[int]:
    return xs[1:]


def doubled(xs: list[int]) -> list[int]:
    return [x * 2 for x in xs]


def running_total(xs: list[int]) -> list[int]:
    out = []
    total = 0
    for x in xs:
        total += x
        out.append(total)
    return out
