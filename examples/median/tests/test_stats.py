import pytest

from stats import mean, median, value_range


def test_mean() -> None:
    assert mean([1, 2, 3, 4]) == 2.5


def test_median_of_odd_count() -> None:
    assert median([3, 1, 2]) == 2


def test_median_of_one() -> None:
    assert median([7]) == 7


def test_median_of_even_count() -> None:
    assert median([4, 1, 3, 2]) == 2.5


def test_median_of_two() -> None:
    assert median([1, 2]) == 1.5


def test_median_of_nothing() -> None:
    with pytest.raises(ValueError):
        median([])


def test_value_range() -> None:
    assert value_range([3, -2, 8]) == 10
