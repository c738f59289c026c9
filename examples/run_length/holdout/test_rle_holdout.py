from rle import compress, decode, encode


def test_round_trip() -> None:
    for text in ["", "a", "ab", "aab", "abb", "zzzzzz", "aabbaa", "mississippi"]:
        assert decode(encode(text)) == text


def test_no_repeats() -> None:
    assert encode("abc") == [("a", 1), ("b", 1), ("c", 1)]


def test_compress_one_long_run() -> None:
    assert compress("q" * 12) == "12q"
