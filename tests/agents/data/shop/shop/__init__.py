"""A tiny shop: prices, a cart, a receipt."""

from shop.cart import Cart
from shop.prices import parse_price, with_tax

__all__ = ["Cart", "parse_price", "with_tax"]
