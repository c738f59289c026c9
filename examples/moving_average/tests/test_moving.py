import pytest

from moving import moving_average


def test_window_of_everything() -> None:
    assert moving_average([1.0, 2.0, 3.0], 3) == [2.0]


@pytest.mark.parametrize("k", [0, -1, 4])
def test_window_must_fit(k: int) -> None:
    with pytest.raises(ValueError):
        moving_average([1.0, 2.0, 3.0], k)


def test_window_of_one_is_the_values() -> None:
    assert moving_average([4.0, 8.0, 6.0], 1) == [4.0, 8.0, 6.0]


def test_window_of_two() -> None:
    assert moving_average([1.0, 3.0, 5.0, 7.0], 2) == [2.0, 4.0, 6.0]


def test_window_one_short_of_everything() -> None:
    assert moving_average([2.0, 4.0, 6.0], 2) == [3.0, 5.0]


def test_constant_values() -> None:
    assert moving_average([5.0] * 6, 3) == [5.0] * 4
