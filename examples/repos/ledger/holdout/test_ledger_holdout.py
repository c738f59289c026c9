"""Held-out tests: the same behaviour as tests/, on other inputs."""

from datetime import date, timedelta

import pytest

from ledger.invoice import Invoice, Line
from ledger.money import allocate, divide_rounded, parse_amount
from ledger.statement import Entry, aging, aging_bucket
from ledger.tax import TaxRate


@pytest.mark.parametrize(
    ("text", "cents"), [("0.10", 10), ("3.14", 314), ("-2,000.01", -200001), ("7.", 700)]
)
def test_parse_amount(text: str, cents: int) -> None:
    assert parse_amount(text) == cents


def test_parse_amount_rejects_three_decimals() -> None:
    with pytest.raises(ValueError):
        parse_amount("0.001")


@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [(25, 10, 3), (-15, 10, -2), (14, 10, 1), (7, 2, 4), (150, 100, 2)],
)
def test_divide_rounded(numerator: int, denominator: int, expected: int) -> None:
    assert divide_rounded(numerator, denominator) == expected


def test_allocate() -> None:
    assert allocate(7, [1, 1]) == [4, 3]
    assert allocate(101, [50, 25, 25]) == [51, 25, 25]


def test_tax_rates() -> None:
    assert TaxRate.parse("state", "7.75%").basis_points == 775
    assert TaxRate("quarter", 2500).tax_on(2) == 1
    assert TaxRate("ten", 1000).tax_in(1100) == 100
    assert TaxRate("ten", 1000).tax_in(55) == 5


def test_invoice_with_a_quarter_off() -> None:
    standard = TaxRate("standard", 1900)
    invoice = Invoice("H-1", discount_percent=25)
    invoice.add("keyboard", 1, "79.90", standard)
    invoice.add("cable", 4, "2.25", standard)
    assert invoice.subtotal() == 8890
    assert invoice.discount() == 2223
    assert invoice.taxes() == {"standard": 1267}
    assert invoice.total() == 7934


@pytest.mark.parametrize(
    ("days", "label"), [(-3, "current"), (15, "1-30"), (60, "31-60"), (90, "61-90"), (91, "90+")]
)
def test_aging_bucket(days: int, label: str) -> None:
    assert aging_bucket(days) == label


def test_aging_of_an_invoice_due_exactly_sixty_days_ago() -> None:
    today = date(2024, 3, 1)
    entry = Entry(Invoice("H-2", [Line("rent", 1, 90000)]), today - timedelta(days=60))
    assert aging([entry], today)["31-60"] == 90000
