"""Shipping cost of a parcel: a price by weight band, doubled for express delivery.

Correct but convoluted: three special cases up front repeat what the general rule below them
computes anyway; each can go without changing a single price.
"""

BANDS = [(1.0, 5.0), (5.0, 8.0), (20.0, 15.0)]  # (up to this many kg, price)
HEAVY = 40.0  # the price above the last band


def shipping_cost(weight: float, express: bool = False) -> float:
    """The price of sending ``weight`` kg; express costs twice as much."""
    if weight <= 0:
        raise ValueError(f"a parcel weighs something, not {weight} kg")
    if express and weight <= 1.0:
        return 10.0
    if express and weight > 20.0:
        return 80.0
    if not express and weight > 20.0:
        return 40.0
    cost = HEAVY
    for limit, price in BANDS:
        if weight <= limit:
            cost = price
            break
    if express:
        cost = cost * 2
    return cost
