import pytest

from shipping import shipping_cost


def test_band_edges() -> None:
    assert shipping_cost(1.01) == 8.0
    assert shipping_cost(5.0) == 8.0
    assert shipping_cost(5.01) == 15.0
    assert shipping_cost(20.01) == 40.0


def test_express_is_always_twice_standard() -> None:
    for tenth in range(1, 400):
        weight = tenth / 10
        assert shipping_cost(weight, express=True) == 2 * shipping_cost(weight)


def test_negative_weight_is_rejected() -> None:
    with pytest.raises(ValueError):
        shipping_cost(-1.0, express=True)
