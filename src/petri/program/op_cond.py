"""Conditions: less specific (a clause added with ``or``, or one of ``and`` dropped), more
specific (a clause added with ``and``, or one of ``or`` dropped), and a comparison of names in
scope where a constant stood (``return False`` -> ``return a == b``).

Operators and appliers as in ``op_expr``.
"""

from __future__ import annotations

import random

import libcst as cst

from petri.program.edits import Edit, JsonScalar, NodeApplier, Operator, Original, need
from petri.program.nodes import expect, expression, fit, identifier, replace, strip, unpack
from petri.program.op_swap import COMPARISON, SIDES, keep_side
from petri.program.precedence import AND, NOT
from petri.program.sites import CALLEE, COND, Site

Args = tuple[JsonScalar, ...]
_WIDEN = ("is None", "not")
_NARROW = ("name", "is not None", "not")
#: The comparisons ``const_compare`` builds.
COMPARE_TOKENS = ("==", "!=", "<", "<=", ">", ">=", "in", "not in")
#: How often ``const_compare`` asks a membership the program already tests.
KNOWN_SHARE = 0.5


def _guard(template: object, name: object) -> cst.BaseExpression:
    """``x``, ``not x``, ``x is None`` or ``x is not None`` for ``template`` and ``name``."""
    subject = cst.Name(identifier(name))
    if template == "name":
        return subject
    if template == "not":
        return cst.UnaryOperation(cst.Not(), subject)
    need(template in ("is None", "is not None"), f"unknown guard {template!r}")
    operator = cst.Is() if template == "is None" else cst.IsNot()
    return cst.Comparison(subject, [cst.ComparisonTarget(operator, cst.Name("None"))])


def cond_widen(original: Original, site: Site, rng: random.Random) -> Edit | None:
    """A condition ``c`` -> ``x is None or c`` / ``not x or c``, x a data name in scope (a
    function, class or module is never None nor empty): args ``("is None" or "not", x)``."""
    if site.kind != COND or not site.values:
        return None
    template = rng.choice(_WIDEN)
    return Edit("cond_widen", site.index, (template, rng.choice(site.values)))


def _apply_widen(original: Original, site: Site, node: cst.CSTNode, args: Args) -> cst.CSTNode:
    template, name = unpack(args, str, str)
    need(template in _WIDEN, f"unknown widening {template!r}")
    current = expression(node)
    new = cst.BooleanOperation(_guard(template, name), cst.Or(), fit(strip(current), AND))
    return replace(original, site, current, new)


def cond_narrow(original: Original, site: Site, rng: random.Random) -> Edit | None:
    """A condition ``c`` -> ``c and x`` / ``c and x is not None`` / ``c and not x``, x a data
    name in scope: args ``("name" or "is not None" or "not", x)``."""
    if site.kind != COND or not site.values:
        return None
    template = rng.choice(_NARROW)
    return Edit("cond_narrow", site.index, (template, rng.choice(site.values)))


def _apply_narrow(original: Original, site: Site, node: cst.CSTNode, args: Args) -> cst.CSTNode:
    template, name = unpack(args, str, str)
    need(template in _NARROW, f"unknown narrowing {template!r}")
    current = expression(node)
    guard = fit(_guard(template, name), NOT)
    new = cst.BooleanOperation(fit(strip(current), AND), cst.And(), guard)
    return replace(original, site, current, new)


def cond_drop(original: Original, site: Site, rng: random.Random) -> Edit | None:
    """``a and b`` / ``a or b`` -> ``a`` or ``b``: args ``("left" or "right",)``, the operand
    kept."""
    if not isinstance(site.node, cst.BooleanOperation):
        return None
    return Edit("cond_drop", site.index, (rng.choice(SIDES),))


_apply_drop = keep_side(cst.BooleanOperation)


def const_compare(original: Original, site: Site, rng: random.Random) -> Edit | None:
    """``True`` / ``False`` -> ``a == b``, ``a < b``, ``a in b`` ..., a and b data names in
    scope: args ``(a, operator, b)``. Half the time, when the program tests ``a in b`` (or
    ``not in``) of two names in scope, that membership: the answer a loop that collects
    ``seen`` most often needs (``return day in seen``)."""
    node = site.node
    constant = isinstance(node, cst.Name) and node.value in ("True", "False")
    if not constant or site.kind == CALLEE or len(site.values) < 2:
        return None
    known = [(name, holder) for holder, name in site.members if {name, holder} <= {*site.values}]
    if known and rng.random() < KNOWN_SHARE:
        name, holder = rng.choice(known)
        return Edit("const_compare", site.index, (name, rng.choice(("in", "not in")), holder))
    left, right = rng.sample(site.values, 2)
    return Edit("const_compare", site.index, (left, rng.choice(COMPARE_TOKENS), right))


def _apply_compare(original: Original, site: Site, node: cst.CSTNode, args: Args) -> cst.CSTNode:
    current = expect(node, cst.Name)
    need(current.value in ("True", "False"), "only True or False becomes a comparison")
    left, token, right = unpack(args, str, str, str)
    need(token in COMPARE_TOKENS, f"unknown comparison {token!r}")
    target = cst.ComparisonTarget(COMPARISON[token](), cst.Name(identifier(right)))
    return replace(original, site, current, cst.Comparison(cst.Name(identifier(left)), [target]))


OPERATORS: dict[str, Operator] = {
    "cond_drop": cond_drop,
    "cond_narrow": cond_narrow,
    "cond_widen": cond_widen,
    "const_compare": const_compare,
}
APPLIERS: dict[str, NodeApplier] = {
    "cond_drop": _apply_drop,
    "cond_narrow": _apply_narrow,
    "cond_widen": _apply_widen,
    "const_compare": _apply_compare,
}
