import pytest

from roman import from_roman, to_roman


@pytest.mark.parametrize(("n", "numeral"), [(1, "I"), (4, "IV"), (1994, "MCMXCIV")])
def test_to_roman(n: int, numeral: str) -> None:
    assert to_roman(n) == numeral


def test_zero_has_no_numeral() -> None:
    with pytest.raises(ValueError):
        to_roman(0)


@pytest.mark.parametrize(("numeral", "n"), [("III", 3), ("VIII", 8), ("MDCLXVI", 1666)])
def test_from_roman_additive(numeral: str, n: int) -> None:
    assert from_roman(numeral) == n


@pytest.mark.parametrize(("numeral", "n"), [("IV", 4), ("XC", 90), ("MCMXCIV", 1994)])
def test_from_roman_subtractive(numeral: str, n: int) -> None:
    assert from_roman(numeral) == n
