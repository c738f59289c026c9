"""Sales tax rates and the tax they add to (or hold in) an amount, to the cent."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ledger.money import divide_rounded, parse_amount

#: 100 % in basis points (hundredths of a percent).
BASIS_POINTS = 10_000


@dataclass(frozen=True)
class TaxRate:
    """A named rate in basis points: 8.25 % is 825."""

    name: str
    basis_points: int

    @classmethod
    def parse(cls, name: str, text: str) -> TaxRate:
        """A rate written as a percentage with at most two decimals: ``"8.25%"`` or ``"20"``."""
        basis_points = parse_amount(text.strip().removesuffix("%"))
        if not 0 <= basis_points <= BASIS_POINTS:
            raise ValueError(f"a tax rate is between 0% and 100%, got {text!r}")
        return cls(name, basis_points)

    def tax_on(self, cents: int) -> int:
        """The tax this rate adds to a net amount, rounded half away from zero."""
        return divide_rounded(cents * self.basis_points, BASIS_POINTS)

    def tax_in(self, gross: int) -> int:
        """The tax held in a gross amount (one that includes this rate's tax)."""
        net = divide_rounded(gross * BASIS_POINTS, BASIS_POINTS - self.basis_points)
        return gross - net


def tax_breakdown(items: Iterable[tuple[TaxRate, int]]) -> dict[str, int]:
    """The tax per rate name for ``(rate, net cents)`` items, in order of first appearance.

    Each rate is applied once to the sum of its amounts, so that rounding happens once per
    rate rather than once per item.
    """
    bases: dict[TaxRate, int] = {}
    for rate, cents in items:
        bases[rate] = bases.get(rate, 0) + cents
    return {rate.name: rate.tax_on(base) for rate, base in bases.items()}
