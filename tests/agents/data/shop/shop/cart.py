"""A cart of priced lines, with an optional discount in cents."""

from shop.prices import parse_price, with_tax


class Cart:
    def __init__(self, tax_percent: int = 0, discount: int = 0) -> None:
        self.tax_percent = tax_percent
        self.discount = discount
        self.lines: list[tuple[str, int, int]] = []

    def add(self, name: str, price: str, quantity: int = 1) -> None:
        self.lines.append((name, parse_price(price), quantity))

    def subtotal(self) -> int:
        return sum(price * quantity for _, price, quantity in self.lines)

    def total(self) -> int:
        return with_tax(self.subtotal() + self.discount, self.tax_percent)
