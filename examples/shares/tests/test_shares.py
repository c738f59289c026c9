import pytest

from shares import shares


def test_no_keys() -> None:
    assert shares({}) == {}


def test_one_key_has_everything() -> None:
    assert shares({"a": 7}) == {"a": 100.0}


def test_even_split() -> None:
    assert shares({"a": 1, "b": 1}) == {"a": 50.0, "b": 50.0}


def test_rounding() -> None:
    assert shares({"x": 1, "y": 2}) == {"x": 33.3, "y": 66.7}


def test_keys_come_sorted() -> None:
    assert list(shares({"b": 1, "c": 1, "a": 1})) == ["a", "b", "c"]


def test_all_zero_is_rejected() -> None:
    with pytest.raises(ValueError):
        shares({"a": 0, "b": 0})


def test_many_keys() -> None:
    counts = {f"k{i:04d}": 1 for i in range(1000)}
    assert set(shares(counts).values()) == {0.1}
