"""Journey planning: the earliest arrival between two stops (connection scan).

Changing vehicles at a stop takes ``MIN_TRANSFER`` minutes; staying on board takes none.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from transit.clock import format_duration, format_time
from transit.network import Connection, Network

MIN_TRANSFER = 2


@dataclass(frozen=True)
class Leg:
    """A ride on one trip, from the stop where it boards to the stop where it alights."""

    trip: str
    route: str
    origin: str
    destination: str
    departure: int
    arrival: int


@dataclass(frozen=True)
class Journey:
    """The legs of a journey, in order."""

    legs: tuple[Leg, ...]

    @property
    def departure(self) -> int:
        return self.legs[0].departure

    @property
    def arrival(self) -> int:
        return self.legs[-1].arrival

    @property
    def duration(self) -> int:
        return self.arrival - self.departure

    @property
    def transfers(self) -> int:
        return len(self.legs) - 1


def earliest_arrival(
    network: Network, origin: str, destination: str, depart_at: int
) -> Journey | None:
    """The journey leaving ``origin`` at ``depart_at`` or later that reaches ``destination``
    first; None when no journey does. Raises ValueError for an unknown stop, or when the
    origin is the destination.
    """
    network.stop(origin)
    network.stop(destination)
    if origin == destination:
        raise ValueError(f"{origin} is both the origin and the destination")
    arrival: dict[str, float] = {origin: depart_at}
    boarded: dict[str, Connection] = {}
    via: dict[str, tuple[Connection, Connection]] = {}
    for connection in network.connections:
        if connection.trip in boarded:
            first = boarded[connection.trip]
        elif connection.departure >= _ready(arrival, connection.origin, origin):
            first = boarded[connection.trip] = connection
        else:
            continue
        if connection.arrival < arrival.get(connection.destination, math.inf):
            arrival[connection.destination] = connection.arrival
            via[connection.destination] = (first, connection)
    if destination not in via:
        return None
    return _trace(via, origin, destination)


def _ready(arrival: dict[str, float], stop: str, origin: str) -> float:
    """When a traveller can board at ``stop``: on arrival at the origin, after a transfer
    anywhere else, never at a stop not reached yet."""
    reached = arrival.get(stop, math.inf)
    return reached if stop == origin else reached + MIN_TRANSFER


def _trace(via: dict[str, tuple[Connection, Connection]], origin: str, destination: str) -> Journey:
    """The journey to ``destination`` that ``via`` records, walked back to ``origin``."""
    legs = []
    stop = destination
    while stop != origin:
        first, last = via[stop]
        legs.append(
            Leg(
                trip=first.trip,
                route=first.route,
                origin=first.origin,
                destination=last.destination,
                departure=first.departure,
                arrival=last.arrival,
            )
        )
        stop = last.origin
    return Journey(tuple(reversed(legs)))


def itinerary(journey: Journey, network: Network) -> list[str]:
    """One line per leg, then the journey's duration and number of changes."""
    lines = []
    for leg in journey.legs:
        start, end = network.stop(leg.origin).name, network.stop(leg.destination).name
        times = f"{format_time(leg.departure)}-{format_time(leg.arrival)}"
        lines.append(f"{times}  route {leg.route}  {start} to {end}")
    changes = "1 change" if journey.transfers == 1 else f"{journey.transfers} changes"
    lines.append(f"{format_duration(journey.duration)}, {changes}")
    return lines
