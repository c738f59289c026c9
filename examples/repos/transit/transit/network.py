"""The network: its stops, and the connections between consecutive stops of every trip.

A network is a folder of CSV files: ``stops.csv`` (``id,name,zone``) and ``trips.csv``
(``trip,route,stop,time``, each trip's stops in the order it calls at them).
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

from transit.clock import parse_time

DATA_DIR = Path(__file__).parent / "data"


@dataclass(frozen=True)
class Stop:
    """A stop and the fare zone it lies in."""

    id: str
    name: str
    zone: int


@dataclass(frozen=True, order=True)
class Connection:
    """One hop of a trip: it leaves ``origin`` at ``departure`` and reaches ``destination``."""

    departure: int
    arrival: int
    origin: str
    destination: str
    trip: str
    route: str


@dataclass
class Network:
    """Stops by id, and every connection sorted by departure."""

    stops: dict[str, Stop]
    connections: list[Connection]

    def stop(self, stop_id: str) -> Stop:
        """The stop with this id; ValueError when there is none."""
        try:
            return self.stops[stop_id]
        except KeyError:
            raise ValueError(f"unknown stop {stop_id!r}") from None

    def find(self, text: str) -> list[Stop]:
        """The stops whose name starts with ``text``, ignoring case, sorted by name."""
        prefix = text.strip().lower()
        found = [stop for stop in self.stops.values() if stop.name.lower().startswith(prefix)]
        return sorted(found, key=lambda stop: stop.name)

    def departures(self, stop_id: str, after: int, limit: int = 5) -> list[Connection]:
        """The next ``limit`` connections leaving a stop at ``after`` or later, soonest first."""
        self.stop(stop_id)
        leaving = [c for c in self.connections if c.origin == stop_id and c.departure >= after]
        return leaving[:limit]


def read_stops(path: Path) -> dict[str, Stop]:
    """The stops listed in a ``stops.csv`` file, by id."""
    with path.open(newline="", encoding="utf-8") as handle:
        stops = [Stop(row["id"], row["name"], int(row["zone"])) for row in csv.DictReader(handle)]
    return {stop.id: stop for stop in stops}


def read_trips(path: Path, stops: Mapping[str, Stop]) -> list[Connection]:
    """The connections of the trips in a ``trips.csv`` file, sorted by departure.

    Raises ValueError for a call at an unknown stop or a trip that goes back in time.
    """
    visits: dict[str, list[tuple[str, str, int]]] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["stop"] not in stops:
                raise ValueError(f"{path.name}: trip {row['trip']} calls at unknown {row['stop']}")
            visit = (row["route"], row["stop"], parse_time(row["time"]))
            visits.setdefault(row["trip"], []).append(visit)
    connections = []
    for trip, calls in visits.items():
        for (route, origin, departure), (_, destination, arrival) in pairwise(calls):
            if arrival < departure:
                raise ValueError(f"{path.name}: trip {trip} goes back in time at {destination}")
            connections.append(Connection(departure, arrival, destination, origin, trip, route))
    return sorted(connections)


def load_network(directory: Path = DATA_DIR) -> Network:
    """The network described by the CSV files in ``directory`` (default: the bundled one)."""
    stops = read_stops(directory / "stops.csv")
    return Network(stops, read_trips(directory / "trips.csv", stops))
