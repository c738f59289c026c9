from common import common_items


def test_nothing_shared() -> None:
    assert common_items([1, 2], [3, 4]) == []


def test_empty_lists() -> None:
    assert common_items([], [1]) == []
    assert common_items([1], []) == []


def test_order_of_the_first_list() -> None:
    assert common_items([5, 1, 4, 2], [2, 4, 5]) == [5, 4, 2]


def test_each_item_once() -> None:
    assert common_items([3, 3, 1, 3], [3, 1, 1]) == [3, 1]


def test_large_lists() -> None:
    a = list(range(0, 12000, 2))
    b = list(range(0, 12000, 3))
    assert common_items(a, b) == list(range(0, 12000, 6))
