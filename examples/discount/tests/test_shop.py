from shop import discount


def test_a_single_item_pays_full_price() -> None:
    assert discount(1) == 1


def test_a_big_order_gets_ten_off() -> None:
    assert discount(200) == 190


def test_an_order_of_exactly_100_gets_ten_off() -> None:
    assert discount(100) == 90
