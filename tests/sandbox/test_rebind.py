"""The repository judge's static analysis: imports, followers, owned objects, rebindings."""

from __future__ import annotations

import ast
import textwrap
import types

import pytest

from petri.sandbox import rebind


def module(name: str, *, package: bool = False, **attrs: object) -> types.ModuleType:
    made = types.ModuleType(name)
    if package:
        made.__path__ = []
    made.__package__ = name if package else name.rpartition(".")[0]
    for key, value in attrs.items():
        setattr(made, key, value)
    return made


def imports(
    source: str, name: str, *, package: bool = False, loaded: tuple[str, ...] = ()
) -> set[str]:
    tree = ast.parse(textwrap.dedent(source))
    return rebind.imported_modules(tree, module(name, package=package), set(loaded))


def test_module_level_imports_are_found_with_relative_ones_resolved() -> None:
    source = """
        import os.path
        from . import cart
        from .cart import total
        from .. import top
        from shop.util import clamp, helpers
        from shop.cart import *

        try:
            from shop.fast import speedup
        except ImportError:
            from shop.slow import speedup

        class Thing:
            from shop.inner import value
    """
    loaded = ("pkg.shop.cart", "shop.util.helpers")
    found = imports(source, "pkg.shop.sub", loaded=loaded)
    assert found == {
        "os.path", "pkg.shop.cart", "pkg", "shop.util", "shop.util.helpers", "shop.cart",
        "shop.fast", "shop.slow", "shop.inner",
    }  # fmt: skip


def test_a_submodule_named_in_from_import_is_the_submodule() -> None:
    assert imports(
        "from . import cart, VERSION\n", "shop", package=True, loaded=("shop.cart",)
    ) == {
        "shop.cart",
        "shop",
    }


def test_imports_that_do_not_run_at_import_time_are_not_followed() -> None:
    source = """
        from typing import TYPE_CHECKING
        import typing

        if TYPE_CHECKING:
            from shop.cart import Cart
        else:
            from shop.runtime import Cart

        if typing.TYPE_CHECKING:
            import shop.types

        def lazy():
            from shop.cart import total

        async def later():
            import shop.special
    """
    assert imports(source, "shop.view") == {"typing", "shop.runtime"}


def test_a_relative_import_beyond_the_top_package_is_ignored() -> None:
    assert imports("from ... import x\n", "shop.cart") == set()
    assert imports("from . import x\n", "toplevel") == set()


def test_imported_names_name_each_binding_and_star() -> None:
    tree = ast.parse(
        "from .cart import total as t, RATE\nfrom shop.cart import *\nfrom os import sep\n"
    )
    found = list(rebind.imported_names(tree, module("shop.view"), {"shop.cart"}))
    assert found == [
        ("t", "shop.cart", "total"),
        ("RATE", "shop.cart", "RATE"),
        ("*", "shop.cart", "*"),
    ]


def test_followers_come_after_what_they_import() -> None:
    graph = {
        "shop": {"shop.cart", "shop.plugins"},
        "shop.cart": {"shop.util"},
        "shop.util": set(),
        "shop.plugins": {"shop.cart"},
        "shop.special": {"shop.cart", "shop.plugins"},
        "shop.other": {"shop.util"},
    }
    assert rebind.followers("shop.cart", graph) == ["shop.plugins", "shop", "shop.special"]
    assert rebind.followers("shop.util", graph) == [
        "shop.cart", "shop.plugins", "shop", "shop.special", "shop.other",
    ]  # fmt: skip
    assert rebind.followers("shop.special", graph) == []


def test_the_whole_repository_in_import_order() -> None:
    graph = {
        "shop": {"shop.cart", "shop.plugins"},
        "shop.cart": {"shop.util"},
        "shop.util": set(),
        "shop.plugins": {"shop.cart"},
    }
    assert rebind.import_order(graph, graph) == ["shop.util", "shop.cart", "shop.plugins", "shop"]
    assert rebind.import_order(graph, {"shop", "shop.plugins"}) == ["shop.plugins", "shop"]


def test_a_cycle_runs_in_the_order_its_imports_finished() -> None:
    # a was imported first and imported b, which finished first (with a half-imported).
    graph = {"a": {"b"}, "b": {"a", "e"}, "e": set()}
    assert rebind.followers("e", graph) == ["b", "a"]


def make_owners() -> tuple[types.ModuleType, types.ModuleType, dict[str, object]]:
    def total() -> int:
        return 0

    total.__module__ = "shop.cart"
    settings = {"rate": 2}
    cart_class = type("Cart", (), {"__module__": "shop.cart"})
    cart = module(
        "shop.cart", total=total, alias=total, SETTINGS=settings, RATE=3, NAME="x",
        Cart=cart_class, DEFAULT=cart_class(),
    )  # fmt: skip
    init = module("shop", package=True, total=total, Cart=cart_class)
    config = {"SETTINGS": settings, "total": total}  # shop.config, where SETTINGS comes from
    return cart, init, config


def test_owned_objects_are_the_owners_own_with_identity() -> None:
    cart, init, config = make_owners()
    owned = rebind.owned_objects([cart, init], [config])
    places = {id(value): places for value, places in owned.values()}
    assert set(places) == {id(cart.total), id(cart.Cart), id(cart.DEFAULT)}  # no str, int, dict
    assert places[id(cart.total)] == [
        ("shop.cart", "total"), ("shop.cart", "alias"), ("shop", "total"),
    ]  # fmt: skip


def test_a_rebound_name_takes_the_object_from_where_it_was_defined() -> None:
    cart, init, _ = make_owners()
    owned = rebind.owned_objects([init, cart], [])
    test_module = {"total": cart.total, "t": cart.total, "alias": cart.total, "Cart": cart.Cart}
    table = {key: (module, attr) for _, key, module, attr in rebind.bindings([test_module], owned)}
    assert table == {
        "total": ("shop.cart", "total"),  # the defining module first, though shop came first
        "t": ("shop.cart", "total"),  # by the object's own name
        "alias": ("shop.cart", "alias"),  # an alias may be rebound alone
        "Cart": ("shop.cart", "Cart"),
    }


class Hostile:
    """An object whose attribute lookups raise: the analysis must not."""

    def __getattr__(self, name: str) -> object:
        raise RuntimeError(name)


def test_objects_with_hostile_attributes_are_handled() -> None:
    value = Hostile()
    owner = module("shop.cart", thing=value, other=Hostile())
    owned = rebind.owned_objects([owner], [{"other": owner.other}])
    assert rebind.bindings([{"thing": value}], owned) == [
        ({"thing": value}, "thing", "shop.cart", "thing")
    ]


@pytest.mark.parametrize(
    ("filename", "inside"),
    [("/problem/src/a.py", True), ("/problem", False), ("/problems/a.py", False), (None, False)],
)
def test_inside(filename: object, inside: bool) -> None:
    assert rebind.inside(filename, "/problem") is inside
