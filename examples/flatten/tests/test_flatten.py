from flatten import depth, flatten


def test_empty() -> None:
    assert flatten([]) == []


def test_already_flat() -> None:
    assert flatten([1, "a", None]) == [1, "a", None]


def test_one_level() -> None:
    assert flatten([1, [2, 3], 4]) == [1, 2, 3, 4]


def test_deep() -> None:
    assert flatten([[[1]], [2, [3, [4]]]]) == [1, 2, 3, 4]


def test_tuples_are_items() -> None:
    assert flatten([(1, 2), 3]) == [(1, 2), 3]


def test_depth() -> None:
    assert depth(5) == 0
    assert depth([]) == 1
    assert depth([1, [2, [3]]]) == 3
