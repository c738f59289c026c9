import pytest

from transit.clock import format_duration, format_time, parse_time


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("00:00", 0),
        ("07:45", 465),
        ("7:45", 465),
        ("23:59", 1439),
        ("24:03", 1443),
        (" 12:00 ", 720),
    ],
)
def test_parse_time(text: str, minutes: int) -> None:
    assert parse_time(text) == minutes


@pytest.mark.parametrize("text", ["", "7", "07:5", "07:60", "ab:cd", "-1:00", "07:45:00"])
def test_parse_time_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="not a time"):
        parse_time(text)


@pytest.mark.parametrize(("minutes", "text"), [(0, "00:00"), (465, "07:45"), (1443, "24:03")])
def test_format_time(minutes: int, text: str) -> None:
    assert format_time(minutes) == text


def test_times_round_trip() -> None:
    for minutes in range(0, 1600, 37):
        assert parse_time(format_time(minutes)) == minutes


@pytest.mark.parametrize(
    ("minutes", "text"),
    [(0, "0 min"), (45, "45 min"), (60, "1 h"), (65, "1 h 05 min"), (150, "2 h 30 min")],
)
def test_format_duration(minutes: int, text: str) -> None:
    assert format_duration(minutes) == text
