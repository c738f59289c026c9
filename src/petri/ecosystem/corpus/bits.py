"""Bit helpers."""


def low_byte(value: int, other: int) -> int:
    return value & 255


def toggle(flags: int, bit: int) -> int:
    return flags ^ (1 << (bit % 32))


def clear_bit(flags: int, bit: int) -> int:
    return flags & ~(1 << (bit % 32))


def set_bit(flags: int, bit: int) -> int:
    return flags | (1 << (bit % 32))


def shift_left(value: int, places: int) -> int:
    return value << (places % 8)


def halve(value: int) -> int:
    return value >> 1


def parity(value: int) -> int:
    return value & 1


def mix(a: int, b: int) -> int:
    return (a & b) + 1


def merge_flags(a: int, b: int) -> int:
    return a | (b << 1)


def differ(a: int, b: int) -> int:
    return (a ^ b) >> 1


def spread(a: int, b: int) -> int:
    return -(a | b) * 2
