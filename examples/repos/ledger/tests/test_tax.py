import pytest

from ledger.tax import TaxRate, tax_breakdown


class TestParse:
    @pytest.mark.parametrize(("text", "basis_points"), [("20", 2000), ("0%", 0), ("100", 10000)])
    def test_whole_percentages(self, text: str, basis_points: int) -> None:
        assert TaxRate.parse("rate", text).basis_points == basis_points

    @pytest.mark.parametrize(("text", "basis_points"), [("8.25%", 825), (" 5.5 % ", 550)])
    def test_fractional_percentages(self, text: str, basis_points: int) -> None:
        assert TaxRate.parse("rate", text) == TaxRate("rate", basis_points)

    @pytest.mark.parametrize("text", ["101", "-5", "8.125", "twenty"])
    def test_rejects(self, text: str) -> None:
        with pytest.raises(ValueError):
            TaxRate.parse("rate", text)


def test_tax_on(vat: TaxRate, reduced: TaxRate) -> None:
    assert vat.tax_on(1000) == 200
    assert reduced.tax_on(1999) == 110
    assert TaxRate("city", 825).tax_on(1999) == 165


def test_tax_on_rounds_half_a_cent_up() -> None:
    assert TaxRate("half", 500).tax_on(10) == 1
    assert TaxRate("half", 500).tax_on(-10) == -1


def test_tax_on_nothing_is_nothing(vat: TaxRate) -> None:
    assert vat.tax_on(0) == 0


@pytest.mark.parametrize(("gross", "tax"), [(1200, 200), (600, 100), (0, 0), (-120, -20)])
def test_tax_in_a_gross_amount(vat: TaxRate, gross: int, tax: int) -> None:
    assert vat.tax_in(gross) == tax


def test_tax_in_at_a_reduced_rate(reduced: TaxRate) -> None:
    assert reduced.tax_in(1055) == 55


def test_tax_in_and_tax_on_agree(reduced: TaxRate) -> None:
    for net in (100, 999, 12345):
        assert reduced.tax_in(net + reduced.tax_on(net)) == reduced.tax_on(net)


class TestBreakdown:
    def test_one_entry_per_rate_in_order(self, vat: TaxRate, reduced: TaxRate) -> None:
        breakdown = tax_breakdown([(reduced, 1000), (vat, 500), (reduced, 2000)])
        assert breakdown == {"reduced": 165, "VAT": 100}
        assert list(breakdown) == ["reduced", "VAT"]

    def test_rounds_once_per_rate(self) -> None:
        rate = TaxRate("half", 500)
        assert tax_breakdown([(rate, 10), (rate, 10)]) == {"half": 1}

    def test_nothing_to_tax(self) -> None:
        assert tax_breakdown([]) == {}
