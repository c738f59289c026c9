from collections.abc import Callable

import pytest

from ledger.invoice import Invoice, Line
from ledger.tax import TaxRate

MakeInvoice = Callable[..., Invoice]


def test_line_amount() -> None:
    assert Line("pen", 4, 125).amount == 500


def test_empty_invoice_owes_nothing() -> None:
    invoice = Invoice("INV-000")
    assert (invoice.subtotal(), invoice.discount(), invoice.taxes(), invoice.total()) == (
        0,
        0,
        {},
        0,
    )


def test_add_rejects_a_non_positive_quantity() -> None:
    with pytest.raises(ValueError, match="positive quantity"):
        Invoice("INV-000").add("pen", 0, "1")


def test_add_parses_whole_prices() -> None:
    invoice = Invoice("INV-002")
    line = invoice.add("chair", 2, "45")
    assert line == Line("chair", 2, 4500)
    assert invoice.lines == [line]


class TestSampleInvoice:
    def test_subtotal(self, make_invoice: MakeInvoice) -> None:
        assert make_invoice().subtotal() == 5848

    def test_taxes(self, make_invoice: MakeInvoice) -> None:
        assert make_invoice().taxes() == {"VAT": 270, "reduced": 220}

    def test_total(self, make_invoice: MakeInvoice) -> None:
        assert make_invoice().total() == 6338

    def test_discount(self, make_invoice: MakeInvoice) -> None:
        assert make_invoice(discount_percent=10).discount() == 585

    def test_discount_is_shared_by_the_lines(self, make_invoice: MakeInvoice) -> None:
        assert make_invoice(discount_percent=10).net_amounts() == [1215, 3598, 450]

    def test_taxes_after_discount(self, make_invoice: MakeInvoice) -> None:
        assert make_invoice(discount_percent=10).taxes() == {"VAT": 243, "reduced": 198}

    def test_total_after_discount(self, make_invoice: MakeInvoice) -> None:
        assert make_invoice(discount_percent=10).total() == 5704

    def test_full_discount_leaves_nothing_to_pay(self, make_invoice: MakeInvoice) -> None:
        assert make_invoice(discount_percent=100).total() == 0


def test_net_amounts_without_discount(vat: TaxRate) -> None:
    invoice = Invoice("INV-003", [Line("desk", 1, 20000, vat), Line("lamp", 2, 1500)])
    assert invoice.net_amounts() == [20000, 3000]
    assert invoice.taxes() == {"VAT": 4000}


def test_free_lines_share_no_discount() -> None:
    invoice = Invoice("INV-004", [Line("sample", 3, 0)], discount_percent=50)
    assert invoice.net_amounts() == [0]
