import pytest

from shop.prices import parse_price, with_tax


@pytest.mark.parametrize(("text", "cents"), [("1", 100), ("2.5", 250), ("12.34", 1234), ("0.05", 5)])
def test_parse_price(text: str, cents: int) -> None:
    assert parse_price(text) == cents


def test_parse_price_refuses_three_decimals() -> None:
    with pytest.raises(ValueError):
        parse_price("1.234")


@pytest.mark.parametrize(("cents", "percent", "taxed"), [(1000, 10, 1100), (999, 20, 1198), (0, 5, 0)])
def test_with_tax(cents: int, percent: int, taxed: int) -> None:
    assert with_tax(cents, percent) == taxed
