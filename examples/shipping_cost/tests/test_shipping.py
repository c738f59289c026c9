import pytest

from shipping import shipping_cost


@pytest.mark.parametrize(("weight", "price"), [(0.5, 5.0), (1.0, 5.0), (3.0, 8.0), (20.0, 15.0)])
def test_standard_bands(weight: float, price: float) -> None:
    assert shipping_cost(weight) == price


def test_heavy() -> None:
    assert shipping_cost(25.0) == 40.0


@pytest.mark.parametrize(("weight", "price"), [(0.2, 10.0), (4.0, 16.0), (30.0, 80.0)])
def test_express_doubles(weight: float, price: float) -> None:
    assert shipping_cost(weight, express=True) == price


def test_weightless_parcel_is_rejected() -> None:
    with pytest.raises(ValueError):
        shipping_cost(0.0)
