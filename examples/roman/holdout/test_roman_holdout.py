import pytest

from roman import from_roman, to_roman


def test_round_trip_every_number() -> None:
    for n in range(1, 4000):
        assert from_roman(to_roman(n)) == n


def test_from_roman_empty_is_zero() -> None:
    assert from_roman("") == 0


def test_too_large_has_no_numeral() -> None:
    with pytest.raises(ValueError):
        to_roman(4000)


def test_subtraction_in_the_middle() -> None:
    assert from_roman("MCDXLIV") == 1444
