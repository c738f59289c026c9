"""Shared fixtures: two tax rates, a sample invoice and the statement date."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from ledger.invoice import Invoice
from ledger.tax import TaxRate


@pytest.fixture
def vat() -> TaxRate:
    return TaxRate("VAT", 2000)


@pytest.fixture
def reduced() -> TaxRate:
    return TaxRate("reduced", 550)


@pytest.fixture
def make_invoice(vat: TaxRate, reduced: TaxRate) -> Callable[..., Invoice]:
    """Builds the sample invoice: notebooks at VAT, books at the reduced rate, untaxed delivery.

    Subtotal 58.48: 3 x 4.50 + 2 x 19.99 + 5.00.
    """

    def build(number: str = "INV-001", discount_percent: int = 0) -> Invoice:
        invoice = Invoice(number, discount_percent=discount_percent)
        invoice.add("notebook", 3, "4.50", vat)
        invoice.add("book", 2, "19.99", reduced)
        invoice.add("delivery", 1, "5", None)
        return invoice

    return build


@pytest.fixture
def today() -> date:
    return date(2024, 5, 31)
