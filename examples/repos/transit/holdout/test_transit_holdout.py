"""Held-out tests: the same behaviour as tests/, on other inputs."""

import pytest

from transit.clock import format_duration, parse_time
from transit.fares import concession, fare, load_prices
from transit.network import load_network
from transit.planner import Journey, Leg, earliest_arrival

NETWORK = load_network()


def test_times() -> None:
    assert parse_time("9:05") == 545
    assert parse_time("24:00") == 1440
    for text in ("12:60", "7:5", "9h05"):
        with pytest.raises(ValueError):
            parse_time(text)


@pytest.mark.parametrize(
    ("minutes", "text"), [(59, "59 min"), (90, "1 h 30 min"), (120, "2 h"), (181, "3 h 01 min")]
)
def test_format_duration(minutes: int, text: str) -> None:
    assert format_duration(minutes) == text


def test_trip_2b_calls_at_every_stop_of_route_2() -> None:
    calls = [(c.origin, c.destination) for c in NETWORK.connections if c.trip == "2B"]
    assert calls == [("UNI", "MKT"), ("MKT", "CEN"), ("CEN", "HSP"), ("HSP", "AIR")]


def test_one_trip_is_one_leg() -> None:
    journey = earliest_arrival(NETWORK, "UNI", "HSP", parse_time("07:30"))
    assert journey is not None
    assert journey.legs == (Leg("2B", "2", "UNI", "HSP", parse_time("07:35"), parse_time("07:55")),)


def test_change_at_central() -> None:
    journey = earliest_arrival(NETWORK, "PRK", "AIR", parse_time("07:25"))
    assert journey is not None
    assert [(leg.trip, leg.origin, leg.destination) for leg in journey.legs] == [
        ("1B", "PRK", "CEN"),
        ("XB", "CEN", "AIR"),
    ]
    assert journey.arrival == parse_time("08:07")


def test_fares() -> None:
    prices = load_prices()
    one_zone = Journey((Leg("1A", "1", "CEN", "MKT", 0, 0),))
    three_zones = Journey((Leg("1A", "1", "HIL", "CEN", 0, 0), Leg("XA", "X", "CEN", "AIR", 0, 0)))
    assert fare(one_zone, NETWORK, prices) == 240
    assert fare(one_zone, NETWORK, prices, age=16) == 240
    assert fare(one_zone, NETWORK, prices, age=66) == 168
    assert fare(three_zones, NETWORK, prices, age=3) == 190


def test_sixteen_is_no_longer_a_child() -> None:
    assert concession(16) == concession(17) == 0
