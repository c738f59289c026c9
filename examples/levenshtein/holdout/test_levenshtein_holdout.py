from levenshtein import closest, distance


def test_symmetric() -> None:
    words = ["", "a", "ab", "ba", "flaw", "lawn", "intention", "execution"]
    for a in words:
        for b in words:
            assert distance(a, b) == distance(b, a)


def test_known_distances() -> None:
    assert distance("flaw", "lawn") == 2
    assert distance("intention", "execution") == 5
    assert distance("ab", "ba") == 2


def test_single_characters() -> None:
    assert distance("a", "a") == 0
    assert distance("a", "b") == 1


def test_closest_tie_keeps_the_first() -> None:
    assert closest("bat", ["cat", "hat"]) == "cat"
