"""One word for another: a name, a constant, an attribute.

Each operator ``(original, site, rng) -> Edit | None`` has an applier ``(original, site, node,
args) -> node`` that rebuilds its edit on the node as it is when the edit applies (its children
possibly edited already) and raises Misfit when the edit does not fit there. Args carry
everything needed to reproduce the edit: the new name, the new literal's text.
"""

from __future__ import annotations

import ast
import builtins
import difflib
import math
import random
from collections.abc import Sequence

import libcst as cst

from petri.program.edits import Edit, JsonScalar, NodeApplier, Operator, Original, need
from petri.program.nodes import (
    CONSTANT_NAMES,
    expect,
    identifier,
    is_literal,
    literal,
    literal_text,
    replace,
    unpack,
)
from petri.program.sites import CALLEE, Site

Args = tuple[JsonScalar, ...]
_CONSTANTS = ("True", "False", "None", "0", "1", "[]")
#: Floats beyond this stay floats: their integer text would be a long run of digits.
_INTEGRAL_LIMIT = 1e15


#: How often ``name_replace`` draws from the names bound beside the one it replaces, or for a
#: name bound nowhere in scope, the one spelled most like it.
SIBLING_SHARE = 0.5
#: Builtins are read without a binding in scope; they are not misspellings.
_BUILTINS = frozenset(dir(builtins))


def name_replace(original: Original, site: Site, rng: random.Random) -> Edit | None:
    """A name that is read -> another name in scope (a data name for a data name, and for a
    name bound nowhere that is not called; for a function called, another function: one in
    scope, a builtin the program calls or one often taken for it, ``min`` for ``max``, never
    a data name): args ``(name,)``. Half the time, when it has any, one bound beside it by an
    unpacking (``last`` -> ``first`` after ``first, last = ...``): the names a slip confuses
    most. A name bound nowhere in scope (nor a builtin) is a
    NameError waiting to happen, most often a slip of spelling or a parameter's other name
    (``day`` for ``date``): half the time it becomes the name spelled most like it among those
    its function binds and never reads (``Site.unread``: the same thing under its other name,
    ``month`` for ``day`` where ``month`` is never read), or among all in scope when there are
    none."""
    node = site.node
    if not isinstance(node, cst.Name) or node.value in CONSTANT_NAMES:
        return None
    # A misspelled data name is another data name; only a callee may be a function's name.
    data = node.value in site.values or (reads_unbound(site) and site.kind != CALLEE)
    pool: Sequence[str] = site.values if data else site.names
    if site.kind == CALLEE and not data:
        pool = _callables(original, site, node.value)
    choices = [name for name in pool if name != node.value]
    near = [b for a, b in site.pairs if a == node.value and b in choices]
    if not near and reads_unbound(site) and choices:
        unread = [name for name in site.unread if name in choices]
        near = [spelled_most_like(node.value, unread or choices)]
    if near and rng.random() < SIBLING_SHARE:
        choices = near
    return Edit("name_replace", site.index, (rng.choice(choices),)) if choices else None


def _callables(original: Original, site: Site, name: str) -> list[str]:
    """What a call of ``name`` may call instead: the functions, classes and imports in scope,
    then the builtins the program calls or ``name`` is taken for, unless a data name hides
    them."""
    lent = [f for f in original.lexicon.functions_like(name) if f in _BUILTINS or f in site.names]
    own = [n for n in site.names if n not in site.values]
    return [n for n in dict.fromkeys([*own, *lent]) if n not in site.values]


def reads_unbound(site: Site) -> bool:
    """The site reads a name bound nowhere in its scope that is not a builtin either."""
    node = site.node
    return (
        isinstance(node, cst.Name)
        and node.value not in CONSTANT_NAMES
        and node.value not in site.names
        and node.value not in _BUILTINS
    )


def spelled_most_like(name: str, choices: Sequence[str]) -> str:
    """The one of ``choices`` (not empty) spelled most like ``name``; the first on a tie."""
    return max(choices, key=lambda other: difflib.SequenceMatcher(None, name, other).ratio())


def _apply_name(original: Original, site: Site, node: cst.CSTNode, args: Args) -> cst.CSTNode:
    current = expect(node, cst.Name)
    need(current.value not in CONSTANT_NAMES, "a constant is not a name")
    (name,) = unpack(args, str)
    return current.with_changes(value=identifier(name))


def const_replace(original: Original, site: Site, rng: random.Random) -> Edit | None:
    """A constant -> True/False/None/0/1/[], itself +/- 1 or itself as the other kind of
    number (``2`` -> ``2.0``, ``2.0`` -> ``2``): args ``(literal,)``. An empty tuple or list
    is a constant too (``return ()`` where ``0`` was meant)."""
    text = _constant_text(site.node)
    if text is None:
        return None
    candidates = dict.fromkeys([*_CONSTANTS, *_other_numbers(site.node)])
    choices = [c for c in candidates if c != text and is_literal(c)]
    return Edit("const_replace", site.index, (rng.choice(choices),))


def _other_numbers(node: cst.CSTNode) -> list[str]:
    if not isinstance(node, cst.Integer | cst.Float):
        return []
    value = ast.literal_eval(node.value)
    if isinstance(value, int):
        return [str(value + 1), str(value - 1), f"{value}.0"]
    others = [repr(value + 1.0), repr(value - 1.0)]
    if math.isfinite(value) and value.is_integer() and abs(value) < _INTEGRAL_LIMIT:
        others.append(str(int(value)))
    return others


def _constant_text(node: cst.CSTNode) -> str | None:
    """``literal_text``, and ``()`` / ``[]`` for an empty tuple or list."""
    if isinstance(node, cst.Tuple | cst.List) and not node.elements:
        return "()" if isinstance(node, cst.Tuple) else "[]"
    return literal_text(node)


def _apply_const(original: Original, site: Site, node: cst.CSTNode, args: Args) -> cst.CSTNode:
    need(_constant_text(node) is not None, "not a constant")
    (text,) = unpack(args, str)
    return replace(original, site, node, literal(text))


def attr_replace(original: Original, site: Site, rng: random.Random) -> Edit | None:
    """``p.x`` -> ``p.y``, another attribute the program reads; ``xs.append`` -> ``xs.extend``,
    another method it calls or one often taken for this one: args ``(name,)``."""
    node = site.node
    if not isinstance(node, cst.Attribute):
        return None
    current = node.attr.value
    if site.kind == CALLEE:
        choices = list(original.lexicon.methods_like(current))
    else:
        choices = [name for name in original.lexicon.attributes if name != current]
    return Edit("attr_replace", site.index, (rng.choice(choices),)) if choices else None


def _apply_attr(original: Original, site: Site, node: cst.CSTNode, args: Args) -> cst.CSTNode:
    current = expect(node, cst.Attribute)
    (name,) = unpack(args, str)
    return current.with_changes(attr=cst.Name(identifier(name)))


OPERATORS: dict[str, Operator] = {
    "attr_replace": attr_replace,
    "const_replace": const_replace,
    "name_replace": name_replace,
}
APPLIERS: dict[str, NodeApplier] = {
    "attr_replace": _apply_attr,
    "const_replace": _apply_const,
    "name_replace": _apply_name,
}
