import pytest

from config_line import parse_config, parse_line


def test_key_and_value() -> None:
    assert parse_line("name = petri") == ("name", "petri")


def test_value_may_hold_equals() -> None:
    assert parse_line("url=a=b") == ("url", "a=b")


def test_blank_line() -> None:
    assert parse_line("   ") is None


def test_comment_line() -> None:
    assert parse_line("# nothing here") is None


def test_trailing_comment() -> None:
    assert parse_line("size = 3  # MiB") == ("size", "3")


@pytest.mark.parametrize("line", ["just words", "= 3"])
def test_malformed_line_is_rejected(line: str) -> None:
    with pytest.raises(ValueError):
        parse_line(line)


def test_parse_config() -> None:
    text = "a = 1\n\n# comment\nb = 2\na = 3\n"
    assert parse_config(text) == {"a": "3", "b": "2"}
