from bubble import bubble_sort


def test_empty() -> None:
    assert bubble_sort([]) == []


def test_single() -> None:
    assert bubble_sort([4]) == [4]


def test_already_sorted() -> None:
    assert bubble_sort([1, 2, 3, 4]) == [1, 2, 3, 4]


def test_one_swap() -> None:
    assert bubble_sort([2, 1]) == [1, 2]


def test_reversed() -> None:
    assert bubble_sort([5, 4, 3, 2, 1]) == [1, 2, 3, 4, 5]


def test_mixed() -> None:
    assert bubble_sort([3, 1, 4, 1, 5, 9, 2, 6]) == [1, 1, 2, 3, 4, 5, 6, 9]


def test_input_is_left_unchanged() -> None:
    xs = [3, 2, 1]
    bubble_sort(xs)
    assert xs == [3, 2, 1]
