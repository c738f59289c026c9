from flatten import flatten


def test_empty_sublists_vanish() -> None:
    assert flatten([[], [[]], 1, []]) == [1]


def test_strings_are_not_split() -> None:
    assert flatten(["ab", ["cd"]]) == ["ab", "cd"]


def test_input_is_left_unchanged() -> None:
    nested = [1, [2, [3]]]
    flatten(nested)
    assert nested == [1, [2, [3]]]


def test_very_deep() -> None:
    nested: list[object] = [0]
    for i in range(1, 50):
        nested = [nested, i]
    assert flatten(nested) == list(range(50))
