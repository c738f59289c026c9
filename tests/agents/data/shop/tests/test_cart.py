from shop import Cart


def test_empty_cart_costs_nothing() -> None:
    assert Cart().total() == 0


def test_subtotal_counts_quantities() -> None:
    cart = Cart()
    cart.add("pen", "1.50", 2)
    cart.add("pad", "3", 1)
    assert cart.subtotal() == 600


def test_total_adds_tax() -> None:
    cart = Cart(tax_percent=10)
    cart.add("book", "20")
    assert cart.total() == 2200


def test_discount_comes_off_before_tax() -> None:
    cart = Cart(tax_percent=10, discount=500)
    cart.add("book", "20")
    assert cart.total() == 1650
