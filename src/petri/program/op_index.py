"""Indexes, bounds and slices: off by one, one component of a subscript, a slice too many,
an index missing or too many.

Operators and appliers as in ``op_expr``.
"""

from __future__ import annotations

import ast
import random
from typing import Any, cast

import libcst as cst

from petri.program.edits import Edit, JsonScalar, NodeApplier, Operator, Original, need
from petri.program.nodes import (
    CONSTANT_NAMES,
    expect,
    expression,
    fit,
    int_literal,
    is_value,
    literal_text,
    replace,
    strip,
    unpack,
)
from petri.program.precedence import ARITH, LAMBDA
from petri.program.sites import BOUND, EXPR, Site

Args = tuple[JsonScalar, ...]
_SLICES = ("1:", ":-1", "::-1")
_NOT_SHIFTED = (cst.Comparison, cst.BooleanOperation, cst.List, cst.Tuple, cst.Set)
#: The indexes ``index_add`` tries besides those the program uses: the first, second, last item.
COMMON_INDEXES = (0, 1, -1)
#: Where an item may be added or dropped: a value, or an operand of a comparison or bound.
_ITEM_KINDS = (EXPR, BOUND)
#: What ``subscript_change`` does to ``xs[i]``: ``xs[i:]``, ``xs[:i]``.
_FROM_INDEX = ("from", "to")
#: What it does to a slice: drop its lower bound, its upper bound or its step; ``xs[i:]`` and
#: ``xs[:i]`` -> ``xs[i]``.
_FROM_SLICE = ("lower", "upper", "step", "index")


def index_shift(original: Original, site: Site, rng: random.Random) -> Edit | None:
    """An index or bound ``e`` -> ``e + 1`` / ``e - 1``, literals folded: args ``(1 or -1,)``."""
    node = site.node
    if site.kind != BOUND or literal_text(node) in CONSTANT_NAMES:
        return None
    if isinstance(node, _NOT_SHIFTED):
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


def _shifted(bare: cst.BaseExpression, delta: int) -> cst.BaseExpression:
    """``bare + delta`` with literals folded: ``3`` -> ``4``, ``n - 1`` -> ``n``."""
    value = _int_value(bare)
    if value is not None:
        return int_literal(value + delta)
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
    need(not isinstance(current, _NOT_SHIFTED), "not a number")
    return replace(original, site, current, _shifted(strip(current), delta))


def slice_insert(original: Original, site: Site, rng: random.Random) -> Edit | None:
    """``xs`` -> ``xs[1:]``, ``xs[:-1]`` or ``xs[::-1]``: args ``(template,)``."""
    if site.kind != EXPR or not is_value(site.node) or original.info[site.index].discarded:
        return None
    return Edit("slice_insert", site.index, (rng.choice(_SLICES),))


def _apply_slice(original: Original, site: Site, node: cst.CSTNode, args: Args) -> cst.CSTNode:
    (template,) = unpack(args, str)
    need(template in _SLICES and is_value(node), f"cannot slice with {template!r} here")
    bounds = {
        "1:": cst.Slice(cst.Integer("1"), None),
        ":-1": cst.Slice(None, int_literal(-1)),
        "::-1": cst.Slice(None, None, step=int_literal(-1)),
    }[template]
    current = expression(node)
    new = cst.Subscript(strip(current), [cst.SubscriptElement(bounds)])
    return replace(original, site, current, new)


def _single(node: cst.CSTNode) -> cst.Index | cst.Slice | None:
    """The one index or slice of ``xs[...]`` (not ``xs[a, b]``, not ``xs[*a]``)."""
    if not isinstance(node, cst.Subscript) or len(node.slice) != 1:
        return None
    inner = node.slice[0].slice
    if isinstance(inner, cst.Index):
        return inner if inner.star is None else None
    return inner if isinstance(inner, cst.Slice) else None


def subscript_change(original: Original, site: Site, rng: random.Random) -> Edit | None:
    """One component of a subscript: ``xs[i]`` -> ``xs[i:]`` / ``xs[:i]``; ``xs[i:j:k]`` without
    its lower bound, upper bound or step; ``xs[i:]`` / ``xs[:i]`` -> ``xs[i]``: args
    ``(change,)``."""
    inner = _single(site.node)
    if isinstance(inner, cst.Index):
        return Edit("subscript_change", site.index, (rng.choice(_FROM_INDEX),))
    if inner is None:
        return None
    present = [
        name
        for name, part in (("lower", inner.lower), ("upper", inner.upper), ("step", inner.step))
        if part is not None
    ]
    if present in (["lower"], ["upper"]):
        present.append("index")
    return Edit("subscript_change", site.index, (rng.choice(present),)) if present else None


def _apply_subscript(original: Original, site: Site, node: cst.CSTNode, args: Args) -> cst.CSTNode:
    current = expect(node, cst.Subscript)
    (change,) = unpack(args, str)
    inner = _single(current)
    need(inner is not None, "not a subscript with one index or slice")
    new: cst.BaseSlice
    if isinstance(inner, cst.Index):
        need(change in _FROM_INDEX, f"cannot {change!r} an index")
        bound = fit(inner.value, LAMBDA)
        new = cst.Slice(bound, None) if change == "from" else cst.Slice(None, bound)
    else:
        need(change in _FROM_SLICE, f"unknown subscript change {change!r}")
        new = _changed_slice(cast(cst.Slice, inner), change)
    element = current.slice[0].with_changes(slice=new)
    return current.with_changes(slice=[element])


def _changed_slice(inner: cst.Slice, change: str) -> cst.BaseSlice:
    if change == "index":
        bounds = [part for part in (inner.lower, inner.upper) if part is not None]
        need(len(bounds) == 1 and inner.step is None, "only a one-bound slice becomes an index")
        return cst.Index(fit(bounds[0], LAMBDA))
    need(getattr(inner, change) is not None, f"the slice has no {change}")
    return inner.with_changes(**{change: None})


def index_add(original: Original, site: Site, rng: random.Random) -> Edit | None:
    """``pair`` -> ``pair[1]``: an item of a name or attribute where the value itself was used
    (a field of a record), an integer index the program uses or 0, 1, -1: args ``(index,)``.
    Not after a call or a subscript: rarely the slip, and on a line of subscripts
    (``a[i] == b[j]``) those proposals would crowd out the ones that repair it."""
    if site.kind not in _ITEM_KINDS or not _named(site.node):
        return None
    if original.info[site.index].discarded:
        return None
    choices = sorted({*original.lexicon.indexes, *COMMON_INDEXES})
    return Edit("index_add", site.index, (rng.choice(choices),))


def _named(node: cst.CSTNode) -> bool:
    return isinstance(node, cst.Name | cst.Attribute) and is_value(node)


def _apply_index_add(original: Original, site: Site, node: cst.CSTNode, args: Args) -> cst.CSTNode:
    (index,) = unpack(args, int)
    current = expression(node)
    # A moved edit (``operators.move``) may land on a call or subscript: that still fits.
    need(is_value(current), "only a name, attribute, call or subscript takes an index")
    element = cst.SubscriptElement(cst.Index(int_literal(index)))
    return replace(original, site, current, cst.Subscript(strip(current), [element]))


def index_drop(original: Original, site: Site, rng: random.Random) -> Edit | None:
    """``pair[1]`` -> ``pair``: the value where one of its items was used: no args."""
    if site.kind not in _ITEM_KINDS or not isinstance(_single(site.node), cst.Index):
        return None
    return Edit("index_drop", site.index)


def _apply_index_drop(original: Original, site: Site, node: cst.CSTNode, args: Args) -> cst.CSTNode:
    unpack(args)
    current = expect(node, cst.Subscript)
    need(isinstance(_single(current), cst.Index), "not a subscript with one index")
    return replace(original, site, current, strip(current.value))


OPERATORS: dict[str, Operator] = {
    "index_add": index_add,
    "index_drop": index_drop,
    "index_shift": index_shift,
    "slice_insert": slice_insert,
    "subscript_change": subscript_change,
}
APPLIERS: dict[str, NodeApplier] = {
    "index_add": _apply_index_add,
    "index_drop": _apply_index_drop,
    "index_shift": _apply_shift,
    "slice_insert": _apply_slice,
    "subscript_change": _apply_subscript,
}
