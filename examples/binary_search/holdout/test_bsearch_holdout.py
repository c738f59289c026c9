from bsearch import binary_search, contains


def test_long_list_every_element_and_every_gap() -> None:
    xs = list(range(0, 200, 2))
    for i, x in enumerate(xs):
        assert binary_search(xs, x) == i
        assert binary_search(xs, x + 1) == -1


def test_negative_numbers() -> None:
    assert binary_search([-9, -4, -1, 0, 6], -4) == 1
    assert binary_search([-9, -4, -1, 0, 6], -10) == -1


def test_duplicates_give_an_index_of_the_value() -> None:
    xs = [1, 2, 2, 2, 3]
    assert xs[binary_search(xs, 2)] == 2


def test_single_element() -> None:
    assert binary_search([5], 5) == 0
    assert binary_search([5], 6) == -1
    assert binary_search([5], 4) == -1


def test_contains_above_the_largest() -> None:
    assert not contains([1, 2, 3], 99)
    assert not contains([], 0)
