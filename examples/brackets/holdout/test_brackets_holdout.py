from brackets import is_balanced, max_depth


def test_closer_first_in_long_text() -> None:
    assert not is_balanced("}" + "()" * 20)


def test_extra_closer_at_the_end() -> None:
    assert not is_balanced("[[]]]")


def test_deep_nesting() -> None:
    assert is_balanced("(" * 100 + ")" * 100)
    assert not is_balanced("(" * 100 + ")" * 99)


def test_other_characters_are_ignored() -> None:
    assert is_balanced("<>abc")
    assert max_depth("no brackets") == 0


def test_siblings_inside_nesting() -> None:
    assert is_balanced("{[()()]}")
    assert not is_balanced("{[()(]}")
