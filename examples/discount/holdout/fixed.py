"""Prices at the till."""


def discount(total: int) -> int:
    """The price to pay: orders of 100 or more get 10 off."""
    if total >= 100:
        return total - 10
    return total
