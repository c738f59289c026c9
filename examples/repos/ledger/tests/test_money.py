import pytest

from ledger.money import allocate, divide_rounded, format_amount, parse_amount


@pytest.mark.parametrize(
    ("text", "cents"),
    [("12", 1200), ("12.5", 1250), ("0.5", 50), ("-3.1", -310), (" 7 ", 700), ("1,250", 125000)],
)
def test_parse_amount(text: str, cents: int) -> None:
    assert parse_amount(text) == cents


@pytest.mark.parametrize(("text", "cents"), [("19.99", 1999), ("0.05", 5), ("-1,250.00", -125000)])
def test_parse_amount_with_cents(text: str, cents: int) -> None:
    assert parse_amount(text) == cents


@pytest.mark.parametrize("text", ["12.505", "abc", "", ".5", "1.2.3", "-", "4.x", "1e3"])
def test_parse_amount_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="not an amount"):
        parse_amount(text)


@pytest.mark.parametrize(
    ("cents", "currency", "text"),
    [(123456, "", "1,234.56"), (5, "", "0.05"), (-250, "", "-2.50"), (1999, "EUR", "EUR 19.99")],
)
def test_format_amount(cents: int, currency: str, text: str) -> None:
    assert format_amount(cents, currency) == text


def test_format_then_parse_round_trips() -> None:
    for cents in (0, 7, 99, 100, 123456789, -42):
        assert parse_amount(format_amount(cents)) == cents


@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [(9, 4, 2), (11, 4, 3), (6, 3, 2), (0, 5, 0), (1, 3, 0), (-9, 4, -2)],
)
def test_divide_rounded(numerator: int, denominator: int, expected: int) -> None:
    assert divide_rounded(numerator, denominator) == expected


@pytest.mark.parametrize(("numerator", "expected"), [(10, 3), (-10, -3), (2, 1)])
def test_divide_rounded_takes_halves_away_from_zero(numerator: int, expected: int) -> None:
    assert divide_rounded(numerator, 4) == expected


class TestAllocate:
    @pytest.mark.parametrize(
        ("cents", "weights"),
        [(100, [1, 1, 1]), (1000, [3, 5, 7, 11]), (1, [1, 1]), (-100, [1, 1, 1]), (0, [2, 3])],
    )
    def test_parts_add_up(self, cents: int, weights: list[int]) -> None:
        assert sum(allocate(cents, weights)) == cents

    def test_even_split(self) -> None:
        assert allocate(900, [1, 1, 1]) == [300, 300, 300]

    def test_leftover_cents_go_to_the_largest_losses(self) -> None:
        assert allocate(10, [1, 2]) == [3, 7]

    def test_ties_go_to_the_earlier_part(self) -> None:
        assert allocate(100, [1, 1, 1]) == [34, 33, 33]

    def test_a_zero_weight_gets_nothing(self) -> None:
        assert allocate(5, [3, 0, 2]) == [3, 0, 2]

    @pytest.mark.parametrize("weights", [[], [0, 0], [2, -1]])
    def test_bad_weights_are_rejected(self, weights: list[int]) -> None:
        with pytest.raises(ValueError):
            allocate(100, weights)
