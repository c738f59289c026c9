from shop import Cart, parse_price, with_tax


def test_more_prices() -> None:
    assert [parse_price(t) for t in ("3.10", "7", "0.99")] == [310, 700, 99]


def test_more_tax() -> None:
    assert with_tax(500, 50) == 750


def test_cart_total() -> None:
    cart = Cart(tax_percent=25)
    cart.add("a", "4", 2)
    assert cart.total() == 1000


def test_discounted_total() -> None:
    cart = Cart(discount=100)
    cart.add("b", "2.50", 2)
    assert cart.total() == 400
