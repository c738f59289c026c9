"""Invoices: priced lines, a discount on the subtotal, tax per rate and the total due."""

from __future__ import annotations

from dataclasses import dataclass, field

from ledger.money import allocate, divide_rounded, parse_amount
from ledger.tax import TaxRate, tax_breakdown


@dataclass(frozen=True)
class Line:
    """``quantity`` items at ``unit_price`` cents each, taxed at ``rate`` (None: untaxed)."""

    description: str
    quantity: int
    unit_price: int
    rate: TaxRate | None = None

    @property
    def amount(self) -> int:
        """The line's amount before discount and tax."""
        return self.quantity * self.unit_price


@dataclass
class Invoice:
    """An invoice: its lines and a discount in whole percent of the subtotal."""

    number: str
    lines: list[Line] = field(default_factory=list)
    discount_percent: int = 0

    def add(self, description: str, quantity: int, price: str, rate: TaxRate | None = None) -> Line:
        """Add a line of ``quantity`` items at ``price`` each, a decimal amount like ``"4.50"``."""
        if quantity <= 0:
            raise ValueError(f"a line needs a positive quantity, got {quantity}")
        line = Line(description, quantity, parse_amount(price), rate)
        self.lines.append(line)
        return line

    def subtotal(self) -> int:
        """The sum of the lines' amounts."""
        return sum(line.amount for line in self.lines)

    def discount(self) -> int:
        """The discount on the subtotal, rounded half away from zero to the cent."""
        return divide_rounded(self.subtotal() * self.discount_percent, 100)

    def net_amounts(self) -> list[int]:
        """Each line's amount less its share of the discount, shared in proportion to amounts."""
        amounts = [line.amount for line in self.lines]
        if sum(amounts) == 0:
            return amounts
        shares = allocate(self.discount(), amounts)
        return [amount - share for amount, share in zip(amounts, shares, strict=True)]

    def taxes(self) -> dict[str, int]:
        """The tax per rate name on the net amounts of the taxed lines."""
        items = [
            (line.rate, net)
            for line, net in zip(self.lines, self.net_amounts(), strict=True)
            if line.rate is not None
        ]
        return tax_breakdown(items)

    def total(self) -> int:
        """What is due: the subtotal less the discount, plus every tax."""
        return self.subtotal() + self.discount() + sum(self.taxes().values())
