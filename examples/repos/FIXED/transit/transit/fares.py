"""Zone fares: a journey's price by the zones it spans, less a concession by age.

``fares.csv`` lists the full fare in cents for journeys spanning 1, 2, 3 ... zones
(``zones,price``); a journey spanning more zones than the table lists pays its last price.
"""

from __future__ import annotations

import csv
from pathlib import Path

from transit.network import DATA_DIR, Network
from transit.planner import Journey

#: Travellers younger than this pay the child fare.
CHILD_AGE = 16
#: Travellers this old or older pay the senior fare.
SENIOR_AGE = 65
CHILD_DISCOUNT = 50
SENIOR_DISCOUNT = 30


def load_prices(path: Path = DATA_DIR / "fares.csv") -> list[int]:
    """The full fares in cents: the first for one zone, the next for two zones, and so on."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = sorted((int(row["zones"]), int(row["price"])) for row in csv.DictReader(handle))
    if [zones for zones, _ in rows] != list(range(1, len(rows) + 1)):
        raise ValueError(f"{path.name} must list the fares for 1, 2, 3 ... zones")
    return [price for _, price in rows]


def zones_spanned(journey: Journey, network: Network) -> int:
    """How many zones a journey spans: from the lowest to the highest zone of the stops where
    it boards or alights, both counted."""
    stops = [leg.origin for leg in journey.legs] + [leg.destination for leg in journey.legs]
    zones = [network.stop(stop).zone for stop in stops]
    return max(zones) - min(zones) + 1


def concession(age: int) -> int:
    """The discount in percent for a traveller of ``age``."""
    if age < 0:
        raise ValueError(f"an age is not negative, got {age}")
    if age < CHILD_AGE:
        return CHILD_DISCOUNT
    if age >= SENIOR_AGE:
        return SENIOR_DISCOUNT
    return 0


def fare(journey: Journey, network: Network, prices: list[int], age: int | None = None) -> int:
    """The price of a journey in cents, rounded down; ``age`` None is an adult."""
    full = prices[min(zones_spanned(journey, network), len(prices)) - 1]
    discount = 0 if age is None else concession(age)
    return full * (100 - discount) // 100
