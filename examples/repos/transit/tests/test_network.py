from pathlib import Path

import pytest

from transit.clock import format_time, parse_time
from transit.network import Network, Stop, load_network, read_stops, read_trips


def hops(network: Network, trip: str) -> list[tuple[str, str, str, str]]:
    """A trip's connections as (origin, departure, destination, arrival)."""
    return [
        (c.origin, format_time(c.departure), c.destination, format_time(c.arrival))
        for c in network.connections
        if c.trip == trip
    ]


class TestBundledNetwork:
    def test_stops(self, network: Network) -> None:
        assert len(network.stops) == 8
        assert network.stop("AIR") == Stop("AIR", "Airport", 3)

    def test_unknown_stop(self, network: Network) -> None:
        with pytest.raises(ValueError, match="unknown stop"):
            network.stop("ZOO")

    def test_connections_are_sorted_by_departure(self, network: Network) -> None:
        departures = [c.departure for c in network.connections]
        assert departures == sorted(departures)

    def test_every_stop_of_a_trip_but_the_last_has_a_connection(self, network: Network) -> None:
        assert len(network.connections) == 24

    def test_a_trip_is_its_consecutive_stops(self, network: Network) -> None:
        assert hops(network, "1A") == [
            ("HIL", "07:00", "PRK", "07:08"),
            ("PRK", "07:08", "CEN", "07:15"),
            ("CEN", "07:15", "MKT", "07:19"),
            ("MKT", "07:19", "RIV", "07:27"),
        ]

    def test_a_trip_past_midnight(self, network: Network) -> None:
        assert hops(network, "NA")[-1] == ("MKT", "23:54", "RIV", "24:03")

    def test_departures(self, network: Network) -> None:
        board = network.departures("CEN", parse_time("07:20"), limit=3)
        assert [(format_time(c.departure), c.route, c.destination) for c in board] == [
            ("07:22", "X", "AIR"),
            ("07:35", "1", "MKT"),
            ("07:46", "2", "HSP"),
        ]

    def test_no_departures_from_the_end_of_a_line(self, network: Network) -> None:
        assert network.departures("RIV", 0) == []

    @pytest.mark.parametrize(
        ("text", "names"),
        [("c", ["Central Station"]), ("  MARKET", ["Market Square"]), ("", None), ("x", [])],
    )
    def test_find(self, network: Network, text: str, names: list[str] | None) -> None:
        found = [stop.name for stop in network.find(text)]
        assert found == (sorted(s.name for s in network.stops.values()) if names is None else names)


def test_read_stops(data_dir: Path) -> None:
    stops = read_stops(data_dir / "mini" / "stops.csv")
    assert list(stops) == ["A", "B", "C", "D", "E"]
    assert stops["E"].zone == 3


def test_mini_network(mini: Network) -> None:
    assert hops(mini, "T1") == [("A", "08:00", "B", "08:05"), ("B", "08:05", "C", "08:10")]


def test_a_trip_going_back_in_time_is_rejected(data_dir: Path) -> None:
    with pytest.raises(ValueError, match="goes back in time at C"):
        load_network(data_dir / "broken")


def test_a_call_at_an_unknown_stop_is_rejected(data_dir: Path, tmp_path: Path) -> None:
    trips = tmp_path / "trips.csv"
    trips.write_text("trip,route,stop,time\nT9,red,A,09:00\nT9,red,Q,09:05\n", encoding="utf-8")
    with pytest.raises(ValueError, match="unknown Q"):
        read_trips(trips, read_stops(data_dir / "mini" / "stops.csv"))
