import pytest

from shares import shares


def test_zero_count_key_gets_zero() -> None:
    assert shares({"a": 0, "b": 4}) == {"a": 0.0, "b": 100.0}


def test_shares_sum_to_about_a_hundred() -> None:
    counts = {f"k{i}": i + 1 for i in range(50)}
    assert sum(shares(counts).values()) == pytest.approx(100.0, abs=2.5)


def test_input_is_left_unchanged() -> None:
    counts = {"b": 3, "a": 1}
    shares(counts)
    assert counts == {"b": 3, "a": 1}
