from stats import median


def test_even_count_of_floats() -> None:
    assert median([0.5, 0.25]) == 0.375


def test_even_count_with_negatives() -> None:
    assert median([-3, -1, 4, 10]) == 1.5


def test_even_count_whose_middle_sum_is_even() -> None:
    assert median([1, 3, 5, 9]) == 4


def test_input_is_left_unchanged() -> None:
    xs = [3, 1, 2]
    median(xs)
    assert xs == [3, 1, 2]
