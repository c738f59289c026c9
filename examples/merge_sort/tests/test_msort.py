from msort import merge_sort


def test_single() -> None:
    assert merge_sort([7]) == [7]


def test_two() -> None:
    assert merge_sort([2, 1]) == [1, 2]


def test_odd_length() -> None:
    assert merge_sort([5, 2, 9, 1, 5]) == [1, 2, 5, 5, 9]


def test_even_length() -> None:
    assert merge_sort([8, 7, 6, 5, 4, 3]) == [3, 4, 5, 6, 7, 8]


def test_input_is_left_unchanged() -> None:
    xs = [3, 1, 2]
    merge_sort(xs)
    assert xs == [3, 1, 2]


def test_empty() -> None:
    assert merge_sort([]) == []
