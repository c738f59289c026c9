import pytest

from config_line import parse_config, parse_line


def test_empty_value_is_allowed() -> None:
    assert parse_line("empty =") == ("empty", "")


@pytest.mark.parametrize("line", ["  =value", "no_equals_sign", "   = # comment"])
def test_more_malformed_lines(line: str) -> None:
    with pytest.raises(ValueError):
        parse_line(line)


def test_malformed_line_in_a_file() -> None:
    with pytest.raises(ValueError):
        parse_config("a = 1\noops\n")
