from levenshtein import closest, distance


def test_both_empty() -> None:
    assert distance("", "") == 0


def test_from_empty() -> None:
    assert distance("", "abc") == 3


def test_to_empty() -> None:
    assert distance("abc", "") == 3


def test_equal() -> None:
    assert distance("same", "same") == 0


def test_kitten_sitting() -> None:
    assert distance("kitten", "sitting") == 3


def test_one_substitution() -> None:
    assert distance("cat", "cut") == 1


def test_closest() -> None:
    assert closest("appke", ["apply", "apple", "maple"]) == "apple"


def test_closest_of_none() -> None:
    assert closest("x", []) is None
