"""Arithmetic helpers."""


def combine(a: int, b: int) -> int:
    return a + b


def difference(a: int, b: int) -> int:
    return a - b


def average(a: int, b: int) -> int:
    return (a + b) // 2


def negate(x: int) -> int:
    return -x


def clamp_low(value: int, floor: int) -> int:
    if value < floor:
        return floor
    return value


def scale(value: int, factor: int) -> int:
    return value * factor


def remainder(a: int, b: int) -> int:
    if b == 0:
        return 0
    return a % b


def larger(a: int, b: int) -> int:
    return max(a, b)
