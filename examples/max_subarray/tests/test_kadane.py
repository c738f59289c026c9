import pytest

from kadane import max_subarray


def test_empty_is_rejected() -> None:
    with pytest.raises(ValueError):
        max_subarray([])


def test_single() -> None:
    assert max_subarray([-3]) == -3


def test_all_negative() -> None:
    assert max_subarray([-5, -2, -8]) == -2


def test_all_positive() -> None:
    assert max_subarray([1, 2, 3]) == 6


def test_mixed() -> None:
    assert max_subarray([-2, 1, -3, 4, -1, 2, 1, -5, 4]) == 6


def test_best_run_spans_a_dip() -> None:
    assert max_subarray([5, -1, 5]) == 9
