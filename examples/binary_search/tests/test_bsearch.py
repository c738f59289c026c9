import pytest

from bsearch import binary_search, contains

ODDS = [1, 3, 5, 7, 9, 11]


@pytest.mark.parametrize("index", range(len(ODDS)))
def test_finds_every_element(index: int) -> None:
    assert binary_search(ODDS, ODDS[index]) == index


def test_absent_between_elements() -> None:
    assert binary_search(ODDS, 4) == -1


def test_absent_below_the_smallest() -> None:
    assert binary_search(ODDS, 0) == -1


def test_absent_above_the_largest() -> None:
    assert binary_search(ODDS, 12) == -1


def test_empty_list() -> None:
    assert binary_search([], 3) == -1


def test_contains() -> None:
    assert contains(ODDS, 7)
    assert not contains(ODDS, 8)
