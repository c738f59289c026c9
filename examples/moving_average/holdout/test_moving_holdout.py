import pytest

from moving import moving_average


def test_matches_slicing() -> None:
    xs = [float((i * 7) % 10) for i in range(30)]
    for k in range(1, 12):
        expected = [sum(xs[i : i + k]) / k for i in range(len(xs) - k + 1)]
        assert moving_average(xs, k) == pytest.approx(expected)


def test_empty_list_has_no_window() -> None:
    with pytest.raises(ValueError):
        moving_average([], 1)


def test_negative_values() -> None:
    assert moving_average([-2.0, 2.0, -2.0], 2) == [0.0, 0.0]
