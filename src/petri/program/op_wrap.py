"""Something added around or after a value: a guard (``max(0, e)``, ``not c``), a builtin
(``len(xs)``), a list or tuple (``[x]``), an attribute (``node.value``), a method call
(``line.strip()``), one more element (``[a, b]``).

Operators and appliers as in ``op_expr``.
"""

from __future__ import annotations

import random
from typing import cast

import libcst as cst

from petri.program.edits import Edit, JsonScalar, NodeApplier, Operator, Original, need
from petri.program.lexicon import COMMON_BARE_METHODS
from petri.program.nodes import (
    call,
    expression,
    fit,
    identifier,
    is_numeric,
    is_value,
    replace,
    strip,
    unpack,
)
from petri.program.precedence import ATOM, LAMBDA, NOT
from petri.program.sites import BOUND, COND, EXPR, Site

Args = tuple[JsonScalar, ...]
#: The builtins ``call_wrap`` puts around a value: conversions, sizes, orders, sums.
BUILTINS = ("bool", "float", "int", "len", "list", "set", "sorted", "str", "sum", "tuple")
#: Those of ``BUILTINS`` that make sense of a container (``float(xs)`` only raises).
OF_CONTAINERS = ("bool", "len", "list", "set", "sorted", "sum", "tuple")
_DISPLAYS = (cst.List, cst.Tuple, cst.Set)


def wrap(original: Original, site: Site, rng: random.Random) -> Edit | None:
    """``e`` -> ``abs(e)``, ``max(0, e)``, ``max(x, e)``, ``min(e, x)``; a condition ``c`` ->
    ``not c``: args ``(template,)`` or ``(template, "0" or a name)``.

    Only what may be a number is guarded, and only by a data name that may be one: never a
    container (``abs(out + [x])``) nor a function, class or module (``max(f, e)``) that would
    raise on every run. Nothing is added around a value thrown away (``max(0, xs.sort())``
    as a statement), here or by the other operators of this module: it changes nothing."""
    node = site.node
    if original.info[site.index].discarded:
        return None
    templates = []
    if site.kind == COND and not _negation(node):
        templates.append("not")
    if site.kind in (EXPR, BOUND) and is_numeric(node) and not site.holds_container(node):
        templates += ["abs", "max", "min"]
    if not templates:
        return None
    template = rng.choice(templates)
    if template in ("abs", "not"):
        return Edit("wrap", site.index, (template,))
    own = node.value if isinstance(node, cst.Name) else None
    containers = {name for name, _ in site.kinds}
    names = [name for name in site.values if name != own and name not in containers]
    zero = not names or (template == "max" and rng.random() < 0.5)
    return Edit("wrap", site.index, (template, "0" if zero else rng.choice(names)))


def _negation(node: cst.CSTNode) -> bool:
    return isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Not)


def _apply_wrap(original: Original, site: Site, node: cst.CSTNode, args: Args) -> cst.CSTNode:
    need(bool(args) and isinstance(args[0], str), f"bad wrap {args}")
    current = expression(node)
    inner = strip(current)
    new: cst.BaseExpression
    if args[0] == "not":
        unpack(args, str)
        new = cst.UnaryOperation(cst.Not(), fit(inner, NOT))
    elif args[0] == "abs":
        unpack(args, str)
        new = call("abs", [inner])
    else:
        template, other = unpack(args, str, str)
        need(template in ("max", "min"), f"unknown wrap {template!r}")
        bound = cst.Integer("0") if other == "0" else cst.Name(identifier(other))
        new = call(template, [bound, inner] if template == "max" else [inner, bound])
    return replace(original, site, current, new)


def call_wrap(original: Original, site: Site, rng: random.Random) -> Edit | None:
    """``xs`` -> ``len(xs)``, ``int(x)``, ``sorted(xs)`` ... (a builtin the program does not
    rebind; of a container, one that takes it): args ``(builtin,)``."""
    node = site.node
    if site.kind not in (EXPR, BOUND, COND) or not (is_numeric(node) or _display(node)):
        return None
    if original.info[site.index].discarded:
        return None
    builtins = OF_CONTAINERS if site.holds_container(node) else BUILTINS
    choices = [name for name in builtins if name not in site.names]
    return Edit("call_wrap", site.index, (rng.choice(choices),)) if choices else None


def _display(node: cst.CSTNode) -> bool:
    return isinstance(node, _DISPLAYS)


def _apply_call_wrap(original: Original, site: Site, node: cst.CSTNode, args: Args) -> cst.CSTNode:
    (function,) = unpack(args, str)
    need(function in BUILTINS, f"not a builtin call_wrap uses: {function!r}")
    current = expression(node)
    return replace(original, site, current, call(function, [strip(current)]))


def box(original: Original, site: Site, rng: random.Random) -> Edit | None:
    """``x`` -> ``[x]`` or ``(x,)`` (a list only for a ``with``'s context manager): args
    ``("list",)`` or ``("tuple",)``."""
    if site.kind != EXPR or original.info[site.index].discarded:
        return None
    kinds = ("list",) if original.info[site.index].managed else ("list", "tuple")
    return Edit("box", site.index, (rng.choice(kinds),))


def _apply_box(original: Original, site: Site, node: cst.CSTNode, args: Args) -> cst.CSTNode:
    (kind,) = unpack(args, str)
    need(kind in ("list", "tuple"), f"box in a list or a tuple, not {kind!r}")
    need(kind == "list" or not original.info[site.index].managed, "no tuple as a manager")
    current = expression(node)
    inner = fit(strip(current), LAMBDA)
    new: cst.BaseExpression
    if kind == "list":
        new = cst.List([cst.Element(inner)])
    else:
        element = cst.Element(inner, comma=cst.Comma())
        new = cst.Tuple([element], lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    return replace(original, site, current, new)


def _dotted(original: Original, site: Site) -> bool:
    """A site that may take an attribute or a method call after it: not a value thrown away,
    unless a method may change it (``xs`` -> ``xs.sort()``, never ``xs.sort().copy()``)."""
    if not (site.kind in (EXPR, BOUND, COND) and is_value(site.node)):
        return False
    return not original.info[site.index].discarded or not isinstance(site.node, cst.Call)


def attr_add(original: Original, site: Site, rng: random.Random) -> Edit | None:
    """``node`` -> ``node.value``, an attribute the program reads elsewhere: args ``(name,)``."""
    names = original.lexicon.attributes
    if not _dotted(original, site) or original.info[site.index].discarded or not names:
        return None
    return Edit("attr_add", site.index, (rng.choice(names),))


def method_add(original: Original, site: Site, rng: random.Random) -> Edit | None:
    """``line`` -> ``line.strip()``, a method the program calls with no arguments, or
    ``copy``, ``items``, ``lower``, ``strip``: args ``(name,)``."""
    if not _dotted(original, site):
        return None
    names = sorted({*original.lexicon.bare_methods, *COMMON_BARE_METHODS})
    return Edit("method_add", site.index, (rng.choice(names),))


def _apply_dot(called: bool) -> NodeApplier:
    """The applier of ``attr_add`` (``called`` False) or ``method_add`` (True)."""

    def apply(original: Original, site: Site, node: cst.CSTNode, args: Args) -> cst.CSTNode:
        (name,) = unpack(args, str)
        current = expression(node)
        need(is_value(current), "only a name, attribute, call or subscript takes a dot")
        new: cst.BaseExpression = cst.Attribute(
            fit(strip(current), ATOM), cst.Name(identifier(name))
        )
        if called:
            new = cst.Call(new)
        return replace(original, site, current, new)

    return apply


def element_add(original: Original, site: Site, rng: random.Random) -> Edit | None:
    """``[a]`` -> ``[a, x]`` (a list, tuple or set), x a data name in scope: args ``(x,)``."""
    if not _display(site.node) or not site.values or original.info[site.index].discarded:
        return None
    return Edit("element_add", site.index, (rng.choice(site.values),))


def _apply_element(original: Original, site: Site, node: cst.CSTNode, args: Args) -> cst.CSTNode:
    (name,) = unpack(args, str)
    need(_display(node), "elements are added to a list, tuple or set")
    display = cast(cst.List | cst.Tuple | cst.Set, node)
    elements = list(display.elements)
    if elements and _tight(elements[-1].comma):  # ``(a,)`` -> ``(a, b)``, not ``(a,b)``
        spaced = cast(cst.Comma, elements[-1].comma).with_changes(
            whitespace_after=cst.SimpleWhitespace(" ")
        )
        elements[-1] = elements[-1].with_changes(comma=spaced)
    elements.append(cst.Element(cst.Name(identifier(name))))
    return display.with_changes(elements=elements)


def _tight(comma: cst.Comma | cst.MaybeSentinel) -> bool:
    if not isinstance(comma, cst.Comma):
        return False
    after = comma.whitespace_after
    return isinstance(after, cst.SimpleWhitespace) and not after.value


OPERATORS: dict[str, Operator] = {
    "attr_add": attr_add,
    "box": box,
    "call_wrap": call_wrap,
    "element_add": element_add,
    "method_add": method_add,
    "wrap": wrap,
}
APPLIERS: dict[str, NodeApplier] = {
    "attr_add": _apply_dot(called=False),
    "box": _apply_box,
    "call_wrap": _apply_call_wrap,
    "element_add": _apply_element,
    "method_add": _apply_dot(called=True),
    "wrap": _apply_wrap,
}
