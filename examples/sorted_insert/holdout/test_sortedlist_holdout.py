from sortedlist import insert_sorted, sorted_from


def test_insert_at_either_end() -> None:
    xs = [5, 6]
    insert_sorted(xs, 9)
    insert_sorted(xs, 1)
    assert xs == [1, 5, 6, 9]


def test_insert_an_equal_item() -> None:
    xs = [2, 2, 3]
    insert_sorted(xs, 2)
    assert xs == [2, 2, 2, 3]


def test_sorted_from_matches_sorted() -> None:
    items = [(i * 13) % 23 - 11 for i in range(40)]
    assert sorted_from(items) == sorted(items)
