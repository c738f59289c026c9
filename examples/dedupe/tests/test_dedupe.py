from dedupe import dedupe


def test_empty() -> None:
    assert dedupe([]) == []


def test_no_duplicates() -> None:
    assert dedupe([3, 1, 2]) == [3, 1, 2]


def test_duplicates_keep_the_first() -> None:
    assert dedupe([3, 1, 3, 2, 1]) == [3, 1, 2]


def test_any_iterable() -> None:
    assert dedupe(iter("abracadabra")) == ["a", "b", "r", "c", "d"]


def test_key() -> None:
    assert dedupe(["Apple", "apple", "Pear"], key=str.lower) == ["Apple", "Pear"]


def test_items_stay_themselves() -> None:
    first, second = [1], [2]
    assert dedupe([first, second], key=tuple)[0] is first
