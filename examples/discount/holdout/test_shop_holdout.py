from shop import discount


def test_small_orders_pay_full_price() -> None:
    assert [discount(t) for t in (2, 10, 50, 99)] == [2, 10, 50, 99]


def test_orders_from_100_up_get_ten_off() -> None:
    assert [discount(t) for t in (101, 150, 1000)] == [91, 140, 990]
