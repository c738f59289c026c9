from merge import merge_sorted


def test_both_empty() -> None:
    assert merge_sorted([], []) == []


def test_one_empty() -> None:
    assert merge_sorted([1, 2], []) == [1, 2]
    assert merge_sorted([], [1, 2]) == [1, 2]


def test_interleaved() -> None:
    assert merge_sorted([1, 4, 6], [2, 3, 5, 7]) == [1, 2, 3, 4, 5, 6, 7]


def test_equal_numbers() -> None:
    assert merge_sorted([1, 2, 2], [2, 3]) == [1, 2, 2, 2, 3]


def test_key() -> None:
    assert merge_sorted(["bb", "dddd"], ["a", "ccc"], key=len) == ["a", "bb", "ccc", "dddd"]


def test_ties_take_the_left_item_first() -> None:
    left = [(1, "left")]
    right = [(1, "right")]
    merged = merge_sorted(left, right, key=lambda pair: pair[0])
    assert merged == [(1, "left"), (1, "right")]
