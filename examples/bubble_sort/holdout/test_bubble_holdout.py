from bubble import bubble_sort


def test_negative_numbers_and_duplicates() -> None:
    assert bubble_sort([0, -3, 7, -3, 2, 2]) == [-3, -3, 0, 2, 2, 7]


def test_smallest_last() -> None:
    assert bubble_sort([2, 3, 4, 5, 1]) == [1, 2, 3, 4, 5]


def test_many_shuffled_lists() -> None:
    for size in range(12):
        xs = [(i * 7 + 3) % 11 for i in range(size)]
        assert bubble_sort(xs) == sorted(xs)


def test_sorted_input_comes_back_as_a_copy() -> None:
    xs = [1, 2, 3]
    out = bubble_sort(xs)
    assert out == xs
    assert out is not xs
