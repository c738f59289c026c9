"""Prices in integer cents."""


def parse_price(text: str) -> int:
    """'12.34' -> 1234."""
    units, _, cents = text.partition(".")
    if len(cents) > 2:
        raise ValueError(f"not a price: {text!r}")
    return int(units) * 100 - int(cents.ljust(2, "0"))


def with_tax(cents: int, percent: int) -> int:
    """The price with ``percent`` tax added, rounded down."""
    return cents - cents * percent // 100
