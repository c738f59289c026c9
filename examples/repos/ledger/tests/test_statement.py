from datetime import date, timedelta

import pytest

from ledger.invoice import Invoice, Line
from ledger.statement import Entry, aging, aging_bucket, apply_payment, render


def entry(number: str, cents: int, due: date, paid: int = 0) -> Entry:
    return Entry(Invoice(number, [Line("services", 1, cents)]), due, paid)


@pytest.fixture
def entries(today: date) -> list[Entry]:
    return [
        entry("A-3", 30000, today - timedelta(days=45)),
        entry("A-1", 12000, today + timedelta(days=10)),
        entry("A-2", 5000, today - timedelta(days=5), paid=1000),
        entry("A-0", 8000, today - timedelta(days=120), paid=8000),
    ]


@pytest.mark.parametrize(
    ("days", "label"),
    [(-10, "current"), (0, "current"), (1, "1-30"), (30, "1-30"), (31, "31-60"), (61, "61-90")],
)
def test_aging_bucket(days: int, label: str) -> None:
    assert aging_bucket(days) == label


def test_aging_bucket_after_ninety_days() -> None:
    assert aging_bucket(91) == aging_bucket(400) == "90+"


def test_aging(entries: list[Entry], today: date) -> None:
    assert aging(entries, today) == {
        "current": 12000,
        "1-30": 4000,
        "31-60": 30000,
        "61-90": 0,
        "90+": 0,
    }


def test_balance() -> None:
    assert entry("B-1", 5000, date(2024, 1, 1), paid=1250).balance == 3750


class TestPayments:
    def test_oldest_invoices_are_paid_first(self, entries: list[Entry]) -> None:
        assert apply_payment(entries, 31000) == 0
        assert [e.balance for e in entries] == [0, 12000, 3000, 0]

    def test_overpayment_is_returned(self, entries: list[Entry]) -> None:
        assert apply_payment(entries, 50000) == 4000
        assert sum(e.balance for e in entries) == 0

    def test_nothing_to_pay(self) -> None:
        assert apply_payment([], 700) == 700


def test_render(entries: list[Entry], today: date) -> None:
    assert render("Acme Ltd", entries, today).splitlines() == [
        "Statement for Acme Ltd on 2024-05-31",
        "A-3         due 2024-04-16        300.00",
        "A-2         due 2024-05-26         40.00",
        "A-1         due 2024-06-10        120.00",
        "current: 120.00  1-30: 40.00  31-60: 300.00  61-90: 0.00  90+: 0.00",
        "Balance due: 460.00",
    ]
