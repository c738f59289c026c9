"""Expression operators beyond operator swaps: names, constants, bounds, slices, calls,
wrapping and conditions, where most real one-line fixes live.

Each operator ``(original, site, rng) -> Edit | None`` has an applier ``(original, site, node,
args) -> node`` that rebuilds its edit on the node as it is when the edit applies (its children
possibly edited already) and raises Misfit when the edit does not fit there. Args carry
everything needed to reproduce the edit: the new operator's token, the new name, the template.
"""

from __future__ import annotations

import ast
import random
import re
from collections.abc import Iterable
from typing import Any, cast

import libcst as cst

from petri.program.edits import Edit, JsonScalar, NodeApplier, Operator, Original, need
from petri.program.nodes import expect, expression, fit, identifier, replace, strip, unpack
from petri.program.precedence import AND, ARITH, LAMBDA, NOT
from petri.program.sites import BOUND, COND, EXPR, STMT, Site

Args = tuple[JsonScalar, ...]
CONSTANT_NAMES = ("True", "False", "None")
_CONSTANTS = ("True", "False", "None", "0", "1", "[]")
_LITERAL = re.compile(r"True|False|None|\[\]|-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?")
_SLICES = ("1:", ":-1")


# --- names and constants --------------------------------------------------------------------


def name_replace(original: Original, site: Site, rng: random.Random) -> Edit | None:
    """A name that is read -> another name in scope (a data name for a data name): args
    ``(name,)``."""
    node = site.node
    if not isinstance(node, cst.Name) or node.value in CONSTANT_NAMES:
        return None
    pool = site.values if node.value in site.values else site.names
    choices = [name for name in pool if name != node.value]
    return Edit("name_replace", site.index, (rng.choice(choices),)) if choices else None


def _apply_name(original: Original, site: Site, node: cst.CSTNode, args: Args) -> cst.CSTNode:
    current = expect(node, cst.Name)
    need(current.value not in CONSTANT_NAMES, "a constant is not a name")
    (name,) = unpack(args, str)
    return current.with_changes(value=identifier(name))


def literal_text(node: cst.CSTNode) -> str | None:
    """The text of a number or of True/False/None; None for anything else."""
    if isinstance(node, cst.Integer | cst.Float):
        return node.value
    if isinstance(node, cst.Name) and node.value in CONSTANT_NAMES:
        return node.value
    return None


def const_replace(original: Original, site: Site, rng: random.Random) -> Edit | None:
    """A constant -> True/False/None/0/1/[] or itself +/- 1: args ``(literal,)``."""
    text = literal_text(site.node)
    if text is None:
        return None
    candidates = dict.fromkeys([*_CONSTANTS, *_plus_minus_one(site.node)])
    choices = [c for c in candidates if c != text and _LITERAL.fullmatch(c)]
    return Edit("const_replace", site.index, (rng.choice(choices),))


def _plus_minus_one(node: cst.CSTNode) -> list[str]:
    if not isinstance(node, cst.Integer | cst.Float):
        return []
    value = ast.literal_eval(node.value)
    if isinstance(value, int):
        return [str(value + 1), str(value - 1)]
    return [repr(value + 1.0), repr(value - 1.0)]


def _literal(text: str) -> cst.BaseExpression:
    need(bool(_LITERAL.fullmatch(text)), f"not a literal: {text!r}")
    if text in CONSTANT_NAMES:
        return cst.Name(text)
    if text == "[]":
        return cst.List([])
    digits = text.removeprefix("-")
    number: cst.BaseExpression = cst.Integer(digits) if digits.isdigit() else cst.Float(digits)
    return cst.UnaryOperation(cst.Minus(), number) if text.startswith("-") else number


def _apply_const(original: Original, site: Site, node: cst.CSTNode, args: Args) -> cst.CSTNode:
    need(literal_text(node) is not None, "not a constant")
    (text,) = unpack(args, str)
    return replace(original, site, node, _literal(text))


# --- bounds and slices ----------------------------------------------------------------------


def index_shift(original: Original, site: Site, rng: random.Random) -> Edit | None:
    """An index or bound ``e`` -> ``e + 1`` / ``e - 1``, literals folded: args ``(1 or -1,)``."""
    node = site.node
    if site.kind != BOUND or literal_text(node) in CONSTANT_NAMES:
        return None
    if isinstance(node, cst.Comparison | cst.BooleanOperation):
        return None
    return Edit("index_shift", site.index, (rng.choice((1, -1)),))


def _int_value(node: cst.CSTNode) -> int | None:
    """The value of an unparenthesized integer literal, minus sign included."""
    if isinstance(node, cst.Integer) and not node.lpar:
        value = ast.literal_eval(node.value)
        return value if isinstance(value, int) else None
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        inner = None if node.lpar else _int_value(node.expression)
        return None if inner is None else -inner
    return None


def _int_literal(value: int) -> cst.BaseExpression:
    number = cst.Integer(str(abs(value)))
    return number if value >= 0 else cst.UnaryOperation(cst.Minus(), number)


def _shifted(bare: cst.BaseExpression, delta: int) -> cst.BaseExpression:
    """``bare + delta`` with literals folded: ``3`` -> ``4``, ``n - 1`` -> ``n``."""
    value = _int_value(bare)
    if value is not None:
        return _int_literal(value + delta)
    if isinstance(bare, cst.BinaryOperation) and isinstance(bare.operator, cst.Add | cst.Subtract):
        right = _int_value(bare.right)
        if right is not None and right >= 0:
            total = (right if isinstance(bare.operator, cst.Add) else -right) + delta
            if total == 0:
                return bare.left
            old = cast(Any, bare.operator)  # keep the spacing around the sign
            sign = cst.Add if total > 0 else cst.Subtract
            operator = sign(
                whitespace_before=old.whitespace_before, whitespace_after=old.whitespace_after
            )
            return bare.with_changes(operator=operator, right=cst.Integer(str(abs(total))))
    operator = cst.Add() if delta > 0 else cst.Subtract()
    return cst.BinaryOperation(fit(bare, ARITH), operator, cst.Integer("1"))


def _apply_shift(original: Original, site: Site, node: cst.CSTNode, args: Args) -> cst.CSTNode:
    (delta,) = unpack(args, int)
    need(delta in (1, -1), f"shift by 1 or -1, not {delta}")
    current = expression(node)
    return replace(original, site, current, _shifted(strip(current), delta))


def _sliceable(node: cst.CSTNode) -> bool:
    if isinstance(node, cst.Name):
        return node.value not in CONSTANT_NAMES
    return isinstance(node, cst.Attribute | cst.Call | cst.Subscript)


def slice_insert(original: Original, site: Site, rng: random.Random) -> Edit | None:
    """``xs`` -> ``xs[1:]`` or ``xs[:-1]``: args ``("1:",)`` or ``(":-1",)``."""
    if site.kind != EXPR or not _sliceable(site.node):
        return None
    return Edit("slice_insert", site.index, (rng.choice(_SLICES),))


def _apply_slice(original: Original, site: Site, node: cst.CSTNode, args: Args) -> cst.CSTNode:
    (template,) = unpack(args, str)
    need(template in _SLICES and _sliceable(node), f"cannot slice with {template!r} here")
    one = cst.Integer("1")
    bounds = cst.Slice(one, None) if template == "1:" else cst.Slice(None, _int_literal(-1))
    current = expression(node)
    new = cst.Subscript(strip(current), [cst.SubscriptElement(bounds)])
    return replace(original, site, current, new)


# --- calls, wrapping, conditions ------------------------------------------------------------


def _positional(call: cst.Call) -> list[int]:
    return [i for i, arg in enumerate(call.args) if arg.keyword is None and not arg.star]


def arg_swap(original: Original, site: Site, rng: random.Random) -> Edit | None:
    """``f(a, b)`` -> ``f(b, a)`` (positional arguments): args ``(i, j)`` with i < j."""
    if site.kind == STMT or not isinstance(site.node, cst.Call):
        return None
    spots = _positional(site.node)
    if len(spots) < 2:
        return None
    first, second = sorted(rng.sample(spots, 2))
    return Edit("arg_swap", site.index, (first, second))


def _apply_arg_swap(original: Original, site: Site, node: cst.CSTNode, args: Args) -> cst.CSTNode:
    call = expect(node, cst.Call)
    first, second = unpack(args, int, int)
    spots = _positional(call)
    need(first < second and first in spots and second in spots, f"cannot swap {args}")
    values = list(call.args)
    values[first] = values[first].with_changes(value=call.args[second].value)
    values[second] = values[second].with_changes(value=call.args[first].value)
    return call.with_changes(args=values)


def arg_drop(original: Original, site: Site, rng: random.Random) -> Edit | None:
    """``f(a, b)`` -> ``f(a)``, any argument: args ``(i,)``."""
    if site.kind == STMT or not isinstance(site.node, cst.Call) or not site.node.args:
        return None
    return Edit("arg_drop", site.index, (rng.randrange(len(site.node.args)),))


def _apply_arg_drop(original: Original, site: Site, node: cst.CSTNode, args: Args) -> cst.CSTNode:
    call = expect(node, cst.Call)
    (index,) = unpack(args, int)
    need(0 <= index < len(call.args), f"no argument {index}")
    values = list(call.args)
    dropped = values.pop(index)
    if values and index == len(values):  # the last one went: its comma (or none) ends the list
        values[-1] = values[-1].with_changes(comma=dropped.comma)
    return call.with_changes(args=values)


def _numeric(node: cst.CSTNode) -> bool:
    if isinstance(node, cst.UnaryOperation):
        return not isinstance(node.operator, cst.Not)
    return _sliceable(node) or isinstance(node, cst.BinaryOperation)


def wrap(original: Original, site: Site, rng: random.Random) -> Edit | None:
    """``e`` -> ``abs(e)``, ``max(0, e)``, ``max(x, e)``, ``min(e, x)``; a condition ``c`` ->
    ``not c``: args ``(template,)`` or ``(template, "0" or a name)``."""
    node = site.node
    templates = []
    if site.kind == COND and not _negation(node):
        templates.append("not")
    if site.kind in (EXPR, BOUND) and _numeric(node):
        templates += ["abs", "max", "min"]
    if not templates:
        return None
    template = rng.choice(templates)
    if template in ("abs", "not"):
        return Edit("wrap", site.index, (template,))
    own = node.value if isinstance(node, cst.Name) else None
    names = [name for name in site.names if name != own]
    zero = not names or (template == "max" and rng.random() < 0.5)
    return Edit("wrap", site.index, (template, "0" if zero else rng.choice(names)))


def _negation(node: cst.CSTNode) -> bool:
    return isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Not)


def _call(function: str, values: Iterable[cst.BaseExpression]) -> cst.Call:
    return cst.Call(cst.Name(function), [cst.Arg(fit(value, LAMBDA)) for value in values])


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
        new = _call("abs", [inner])
    else:
        template, other = unpack(args, str, str)
        need(template in ("max", "min"), f"unknown wrap {template!r}")
        bound = cst.Integer("0") if other == "0" else cst.Name(identifier(other))
        new = _call(template, [bound, inner] if template == "max" else [inner, bound])
    return replace(original, site, current, new)


def cond_widen(original: Original, site: Site, rng: random.Random) -> Edit | None:
    """A condition ``c`` -> ``x is None or c`` / ``not x or c``, x a name in scope:
    args ``("is None" or "not", x)``."""
    if site.kind != COND or not site.names:
        return None
    template = rng.choice(("is None", "not"))
    return Edit("cond_widen", site.index, (template, rng.choice(site.names)))


def _apply_widen(original: Original, site: Site, node: cst.CSTNode, args: Args) -> cst.CSTNode:
    template, name = unpack(args, str, str)
    need(template in ("is None", "not"), f"unknown widening {template!r}")
    subject = cst.Name(identifier(name))
    guard: cst.BaseExpression = cst.UnaryOperation(cst.Not(), subject)
    if template == "is None":
        guard = cst.Comparison(subject, [cst.ComparisonTarget(cst.Is(), cst.Name("None"))])
    current = expression(node)
    new = cst.BooleanOperation(guard, cst.Or(), fit(strip(current), AND))
    return replace(original, site, current, new)


OPERATORS: dict[str, Operator] = {
    "arg_drop": arg_drop,
    "arg_swap": arg_swap,
    "cond_widen": cond_widen,
    "const_replace": const_replace,
    "index_shift": index_shift,
    "name_replace": name_replace,
    "slice_insert": slice_insert,
    "wrap": wrap,
}
APPLIERS: dict[str, NodeApplier] = {
    "arg_drop": _apply_arg_drop,
    "arg_swap": _apply_arg_swap,
    "cond_widen": _apply_widen,
    "const_replace": _apply_const,
    "index_shift": _apply_shift,
    "name_replace": _apply_name,
    "slice_insert": _apply_slice,
    "wrap": _apply_wrap,
}
