import pytest

from transit.clock import parse_time
from transit.network import Network
from transit.planner import Leg, earliest_arrival, itinerary


def route(network: Network, origin: str, destination: str, at: str) -> list[tuple[str, str, str]]:
    """The legs of the earliest journey as (trip, from, to)."""
    journey = earliest_arrival(network, origin, destination, parse_time(at))
    assert journey is not None, f"no journey from {origin} to {destination} at {at}"
    return [(leg.trip, leg.origin, leg.destination) for leg in journey.legs]


class TestBundledNetwork:
    def test_change_to_the_express(self, network: Network) -> None:
        journey = earliest_arrival(network, "HIL", "AIR", parse_time("07:00"))
        assert journey is not None
        assert journey.legs == (
            Leg("1A", "1", "HIL", "CEN", parse_time("07:00"), parse_time("07:15")),
            Leg("XA", "X", "CEN", "AIR", parse_time("07:22"), parse_time("07:37")),
        )
        assert (journey.duration, journey.transfers) == (37, 1)

    def test_one_trip_is_one_leg(self, network: Network) -> None:
        assert route(network, "UNI", "HSP", "07:00") == [("2A", "UNI", "HSP")]

    def test_a_change_can_beat_staying_on_board(self, network: Network) -> None:
        journey = earliest_arrival(network, "MKT", "AIR", parse_time("07:30"))
        assert journey is not None
        assert journey.arrival == parse_time("08:07")
        assert [leg.route for leg in journey.legs] == ["2", "X"]

    def test_a_trip_past_midnight(self, network: Network) -> None:
        assert route(network, "CEN", "RIV", "23:00") == [("NA", "CEN", "RIV")]

    def test_no_journey_from_the_end_of_a_line(self, network: Network) -> None:
        assert earliest_arrival(network, "RIV", "HIL", parse_time("07:00")) is None

    def test_no_journey_after_the_last_trip(self, network: Network) -> None:
        assert earliest_arrival(network, "HIL", "AIR", parse_time("08:00")) is None

    def test_itinerary(self, network: Network) -> None:
        journey = earliest_arrival(network, "HIL", "AIR", parse_time("07:00"))
        assert journey is not None
        assert itinerary(journey, network) == [
            "07:00-07:15  route 1  Hillcrest to Central Station",
            "07:22-07:37  route X  Central Station to Airport",
            "37 min, 1 change",
        ]


class TestTransfers:
    def test_staying_on_board_needs_no_transfer(self, mini: Network) -> None:
        assert route(mini, "A", "C", "08:00") == [("T1", "A", "C")]

    def test_a_transfer_of_exactly_the_minimum_is_made(self, mini: Network) -> None:
        assert route(mini, "A", "D", "08:00") == [("T1", "A", "C"), ("T2", "C", "D")]

    def test_tighter_transfers_are_missed(self, mini: Network) -> None:
        journey = earliest_arrival(mini, "A", "E", parse_time("08:00"))
        assert journey is not None
        assert journey.arrival == parse_time("08:45")
        assert route(mini, "A", "E", "08:00") == [("T1", "A", "B"), ("T5", "B", "E")]

    def test_no_transfer_time_at_the_origin(self, mini: Network) -> None:
        assert route(mini, "B", "E", "08:06") == [("T4", "B", "E")]


def test_unknown_stops_are_rejected(mini: Network) -> None:
    with pytest.raises(ValueError, match="unknown stop"):
        earliest_arrival(mini, "A", "Z", 0)


def test_origin_is_not_the_destination(mini: Network) -> None:
    with pytest.raises(ValueError, match="both the origin and the destination"):
        earliest_arrival(mini, "A", "A", 0)
