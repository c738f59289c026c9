from merge import merge_sorted


def test_stable_on_many_ties() -> None:
    a = [(k, "a") for k in (1, 2, 2, 5)]
    b = [(k, "b") for k in (2, 2, 5, 6)]
    merged = merge_sorted(a, b, key=lambda pair: pair[0])
    assert [k for k, _ in merged] == [1, 2, 2, 2, 2, 5, 5, 6]
    assert [side for _, side in merged] == ["a", "a", "a", "b", "b", "a", "b", "b"]


def test_stable_by_length() -> None:
    assert merge_sorted(["x", "yy"], ["z", "ww"], key=len) == ["x", "z", "yy", "ww"]


def test_every_right_item_smaller() -> None:
    assert merge_sorted([5, 6], [1, 2, 3]) == [1, 2, 3, 5, 6]


def test_matches_sorted() -> None:
    a = sorted((i * 5) % 13 for i in range(10))
    b = sorted((i * 3) % 7 for i in range(9))
    assert merge_sorted(a, b) == sorted(a + b)
