from sortedlist import insert_sorted, rank, sorted_from


def test_insert_into_empty() -> None:
    xs: list[int] = []
    insert_sorted(xs, 5)
    assert xs == [5]


def test_insert_in_the_middle() -> None:
    xs = [10, 30]
    insert_sorted(xs, 20)
    assert xs == [10, 20, 30]


def test_sorted_from() -> None:
    assert sorted_from([4, 1, 3, 1]) == [1, 1, 3, 4]


def test_sorted_from_nothing() -> None:
    assert sorted_from([]) == []


def test_rank() -> None:
    assert rank([1, 3, 5, 7], 5) == 2


def test_rank_beyond_the_ends() -> None:
    assert rank([1, 3], 0) == 0
    assert rank([1, 3], 9) == 2
