from rle import compress, decode, encode


def test_encode_empty() -> None:
    assert encode("") == []


def test_encode_runs() -> None:
    assert encode("aaabcc") == [("a", 3), ("b", 1), ("c", 2)]


def test_encode_single_character() -> None:
    assert encode("x") == [("x", 1)]


def test_decode() -> None:
    assert decode([("a", 2), ("b", 1)]) == "aab"


def test_decode_empty() -> None:
    assert decode([]) == ""


def test_compress() -> None:
    assert compress("wwwwbbw") == "4w2b1w"
