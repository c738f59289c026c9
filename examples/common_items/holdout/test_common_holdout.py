from common import common_items


def test_negative_numbers() -> None:
    assert common_items([-1, 0, 1], [1, -1]) == [-1, 1]


def test_same_list() -> None:
    xs = [4, 2, 4, 9]
    assert common_items(xs, xs) == [4, 2, 9]


def test_inputs_are_left_unchanged() -> None:
    a, b = [1, 2, 2], [2]
    common_items(a, b)
    assert (a, b) == ([1, 2, 2], [2])


def test_matches_a_comprehension() -> None:
    a = [(i * 7) % 50 for i in range(300)]
    b = [(i * 11) % 40 for i in range(100)]
    expected = list(dict.fromkeys(x for x in a if x in b))
    assert common_items(a, b) == expected
