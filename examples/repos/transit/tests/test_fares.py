from itertools import pairwise
from pathlib import Path

import pytest

from transit.clock import parse_time
from transit.fares import concession, fare, load_prices, zones_spanned
from transit.network import Network
from transit.planner import Journey, Leg, earliest_arrival


def journey(*stops: str) -> Journey:
    """A journey through ``stops``, one leg between each two (times do not matter here)."""
    legs = [Leg(f"T{i}", "r", a, b, 0, 0) for i, (a, b) in enumerate(pairwise(stops))]
    return Journey(tuple(legs))


def test_load_prices(prices: list[int], data_dir: Path) -> None:
    assert prices == [240, 310, 380]
    assert load_prices(data_dir / "mini" / "fares.csv") == [100, 150]


def test_a_fare_table_with_a_gap_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "fares.csv"
    path.write_text("zones,price\n1,100\n3,200\n", encoding="utf-8")
    with pytest.raises(ValueError, match="1, 2, 3"):
        load_prices(path)


@pytest.mark.parametrize(
    ("stops", "zones"),
    [(("CEN", "MKT"), 1), (("UNI", "HSP"), 2), (("HIL", "CEN", "AIR"), 3), (("PRK", "AIR"), 2)],
)
def test_zones_spanned(network: Network, stops: tuple[str, ...], zones: int) -> None:
    assert zones_spanned(journey(*stops), network) == zones


@pytest.mark.parametrize(
    ("age", "percent"), [(0, 50), (15, 50), (16, 0), (40, 0), (64, 0), (65, 30), (90, 30)]
)
def test_concession(age: int, percent: int) -> None:
    assert concession(age) == percent


def test_a_negative_age_is_rejected() -> None:
    with pytest.raises(ValueError):
        concession(-1)


class TestFare:
    @pytest.mark.parametrize(
        ("stops", "price"), [(("CEN", "MKT"), 240), (("UNI", "HSP"), 310), (("UNI", "AIR"), 380)]
    )
    def test_adult(
        self, network: Network, prices: list[int], stops: tuple[str, ...], price: int
    ) -> None:
        assert fare(journey(*stops), network, prices) == price

    @pytest.mark.parametrize(("age", "price"), [(8, 155), (30, 310), (70, 217)])
    def test_by_age(self, network: Network, prices: list[int], age: int, price: int) -> None:
        assert fare(journey("UNI", "HSP"), network, prices, age=age) == price

    def test_more_zones_than_the_table_pay_its_last_price(self, mini: Network) -> None:
        prices = [100, 150]
        assert fare(journey("A", "C", "E"), mini, prices) == 150

    def test_a_planned_journey(self, network: Network, prices: list[int]) -> None:
        planned = earliest_arrival(network, "HIL", "AIR", parse_time("07:00"))
        assert planned is not None
        assert fare(planned, network, prices, age=12) == 190
