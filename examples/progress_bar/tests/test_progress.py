import pytest

from progress import bar, percent


def test_empty_bar() -> None:
    assert bar(0, 10) == "[----------]"


def test_part_done() -> None:
    assert bar(4, 10) == "[####------]"


def test_full_bar() -> None:
    assert bar(10, 10) == "[##########]"


def test_overdone_is_full() -> None:
    assert bar(15, 10) == "[##########]"


def test_negative_progress_is_empty() -> None:
    assert bar(-3, 10) == "[----------]"


def test_percent() -> None:
    assert percent(1, 3) == 33


def test_zero_total_is_rejected() -> None:
    with pytest.raises(ValueError):
        percent(1, 0)
