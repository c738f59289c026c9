"""Operator swaps: one operator token for a neighbouring one (``<`` for ``<=``, ``+`` for
``-``, ``and`` for ``or``, ``+=`` for ``-=``, ``-x`` for ``~x``), a unary operator dropped or
added, the operands of an ordered operator swapped (``b - a`` for ``a - b``), and a binary
operator dropped with one of its operands (``total + x`` for ``x``).

The neighbours are the swaps a programmer gets wrong: off by one in a comparison, the sign,
``and`` for ``or``, ``is`` for ``==``. A swap across precedence levels parenthesizes the
operands as the new operator needs (``-x * 2`` -> ``(-x) ** 2``).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any, TypeVar, cast

import libcst as cst

from petri.program.edits import Edit, JsonScalar, NodeApplier, Operator, Original, need
from petri.program.nodes import expect, expression, fit, is_numeric, replace, strip, unpack
from petri.program.precedence import AWAIT, UNARY, precedence
from petri.program.sites import BOUND, EXPR, Site

_Op = TypeVar("_Op", bound=cst.CSTNode)
Args = tuple[JsonScalar, ...]


def _tokens(*classes: Callable[[], _Op]) -> dict[str, Callable[..., _Op]]:
    return {cst.Module([]).code_for_node(cls()).strip(): cls for cls in classes}


def _neighbours(*groups: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """Each token's neighbours: the other members of every group it is in."""
    result: dict[str, tuple[str, ...]] = {}
    for group in groups:
        for token in group:
            known = result.get(token, ())
            result[token] = (*known, *(t for t in group if t != token and t not in known))
    return result


# The swaps a programmer gets wrong: off by one in a comparison, the sign, and for or.
BINARY = _tokens(
    cst.Add, cst.Subtract, cst.Multiply, cst.Divide, cst.FloorDivide, cst.Modulo, cst.Power
) | _tokens(cst.MatrixMultiply, cst.LeftShift, cst.RightShift, cst.BitAnd, cst.BitOr, cst.BitXor)
_ARITHMETIC = (
    ("+", "-"),
    ("*", "/", "//"),
    ("//", "%"),
    ("*", "**"),
    ("<<", ">>"),
    ("&", "|", "^"),
)
BINARY_NEIGHBOURS = _neighbours(*_ARITHMETIC)
COMPARISON = _tokens(
    cst.LessThan, cst.LessThanEqual, cst.GreaterThan, cst.GreaterThanEqual, cst.Equal
) | _tokens(cst.NotEqual, cst.Is, cst.IsNot, cst.In, cst.NotIn)
COMPARISON_NEIGHBOURS = _neighbours(
    ("<", "<=", ">", ">="),
    ("==", "!="),
    ("is", "is not"),
    ("in", "not in"),
    ("==", "is"),
    ("!=", "is not"),
)
BOOLEAN = _tokens(cst.And, cst.Or)
BOOLEAN_NEIGHBOURS = _neighbours(("and", "or"))
AUGMENTED = (
    _tokens(
        cst.AddAssign, cst.SubtractAssign, cst.MultiplyAssign, cst.DivideAssign, cst.ModuloAssign
    )
    | _tokens(cst.FloorDivideAssign, cst.PowerAssign, cst.LeftShiftAssign, cst.RightShiftAssign)
    | _tokens(cst.BitAndAssign, cst.BitOrAssign, cst.BitXorAssign, cst.MatrixMultiplyAssign)
)
AUGMENTED_NEIGHBOURS = _neighbours(*(tuple(f"{t}=" for t in group) for group in _ARITHMETIC))
UNARY_SIGNS = _tokens(cst.Minus, cst.Plus, cst.BitInvert)
UNARY_NEIGHBOURS = _neighbours(("-", "~", "+"))
#: Operators whose operands are not interchangeable: ``a - b`` is not ``b - a``.
_ORDERED = (
    cst.Subtract,
    cst.Divide,
    cst.FloorDivide,
    cst.Modulo,
    cst.Power,
    cst.LeftShift,
    cst.RightShift,
    cst.MatrixMultiply,
    cst.LessThan,
    cst.LessThanEqual,
    cst.GreaterThan,
    cst.GreaterThanEqual,
    cst.In,
    cst.NotIn,
)


def _token_of(table: dict[str, Callable[..., Any]], operator: cst.CSTNode) -> str:
    return next(token for token, cls in table.items() if type(operator) is cls)


def _make(table: dict[str, Callable[..., _Op]], token: object, old: cst.CSTNode) -> _Op:
    """The operator for ``token``, spaced like ``old``."""
    need(isinstance(token, str) and token in table, f"unknown operator {token!r}")
    spaced = cast(Any, old)
    spacing = {"whitespace_before": spaced.whitespace_before}
    spacing["whitespace_after"] = spaced.whitespace_after
    if token in ("is not", "not in"):
        spacing["whitespace_between"] = cst.SimpleWhitespace(" ")
    return table[cast(str, token)](**spacing)


def _swap(
    table: dict[str, Callable[..., Any]],
    near: dict[str, tuple[str, ...]],
    operator: cst.CSTNode,
    rng: random.Random,
) -> str | None:
    choices = near.get(_token_of(table, operator), ())
    return rng.choice(choices) if choices else None


def _refit(node: cst.BinaryOperation | cst.BooleanOperation) -> cst.BaseExpression:
    """``node`` with its operands parenthesized as its (new) operator requires."""
    own = precedence(strip(node))
    left, right = (AWAIT, UNARY) if isinstance(node.operator, cst.Power) else (own, own + 1)
    return node.with_changes(left=fit(node.left, left), right=fit(node.right, right))


def binop_swap(original: Original, site: Site, rng: random.Random) -> Edit | None:
    """``a + b`` -> ``a - b``, ``*`` -> ``//``, ``&`` -> ``|`` ...: args ``(token,)``."""
    if not isinstance(site.node, cst.BinaryOperation):
        return None
    token = _swap(BINARY, BINARY_NEIGHBOURS, site.node.operator, rng)
    return None if token is None else Edit("binop_swap", site.index, (token,))


def _operator_swap_applier(
    kind: type[cst.BinaryOperation | cst.BooleanOperation], table: dict[str, Callable[..., Any]]
) -> NodeApplier:
    """The applier of a two-operand swap (``binop_swap``, ``boolop_swap``): the new operator,
    then the operands parenthesized as its precedence needs."""

    def apply(original: Original, site: Site, node: cst.CSTNode, args: Args) -> cst.CSTNode:
        current = expect(node, kind)
        (token,) = unpack(args, str)
        operator = _make(table, token, current.operator)
        bare = current.with_changes(operator=operator, lpar=(), rpar=())
        return replace(original, site, current, _refit(bare))

    return apply


_apply_binop = _operator_swap_applier(cst.BinaryOperation, BINARY)


def cmpop_swap(original: Original, site: Site, rng: random.Random) -> Edit | None:
    """``<`` -> ``<=``, ``==`` -> ``!=``, ``in`` -> ``not in`` ...: args ``(index, token)``."""
    if not isinstance(site.node, cst.Comparison):
        return None
    index = rng.randrange(len(site.node.comparisons))
    token = _swap(COMPARISON, COMPARISON_NEIGHBOURS, site.node.comparisons[index].operator, rng)
    return None if token is None else Edit("cmpop_swap", site.index, (index, token))


def _apply_cmpop(original: Original, site: Site, node: cst.CSTNode, args: Args) -> cst.CSTNode:
    current = expect(node, cst.Comparison)
    index, token = unpack(args, int, str)
    targets = list(current.comparisons)
    need(0 <= index < len(targets), f"no comparison {index}")
    operator = _make(COMPARISON, token, targets[index].operator)
    targets[index] = targets[index].with_changes(operator=operator)
    return current.with_changes(comparisons=targets)


def boolop_swap(original: Original, site: Site, rng: random.Random) -> Edit | None:
    """``a and b`` <-> ``a or b``: args ``(token,)``."""
    if not isinstance(site.node, cst.BooleanOperation):
        return None
    token = _swap(BOOLEAN, BOOLEAN_NEIGHBOURS, site.node.operator, rng)
    return None if token is None else Edit("boolop_swap", site.index, (token,))


_apply_boolop = _operator_swap_applier(cst.BooleanOperation, BOOLEAN)


def augop_swap(original: Original, site: Site, rng: random.Random) -> Edit | None:
    """``x += 1`` -> ``x -= 1``, ``^=`` -> ``&=`` ... in a statement line: args ``(i, token)``."""
    if not isinstance(site.node, cst.SimpleStatementLine):
        return None
    body = site.node.body
    spots = [i for i, small in enumerate(body) if isinstance(small, cst.AugAssign)]
    if not spots:
        return None
    index = rng.choice(spots)
    operator = cast(cst.AugAssign, body[index]).operator
    token = _swap(AUGMENTED, AUGMENTED_NEIGHBOURS, operator, rng)
    return None if token is None else Edit("augop_swap", site.index, (index, token))


def _apply_augop(original: Original, site: Site, node: cst.CSTNode, args: Args) -> cst.CSTNode:
    line = expect(node, cst.SimpleStatementLine)
    index, token = unpack(args, int, str)
    need(0 <= index < len(line.body), f"no statement {index} on the line")
    small = expect(line.body[index], cst.AugAssign)
    body = list(line.body)
    body[index] = small.with_changes(operator=_make(AUGMENTED, token, small.operator))
    return line.with_changes(body=body)


def unary_drop(original: Original, site: Site, rng: random.Random) -> Edit | None:
    """``not c`` -> ``c``, ``-x`` -> ``x``: no args."""
    if not isinstance(site.node, cst.UnaryOperation):
        return None
    return Edit("unary_drop", site.index)


def _apply_unary_drop(original: Original, site: Site, node: cst.CSTNode, args: Args) -> cst.CSTNode:
    current = expect(node, cst.UnaryOperation)
    unpack(args)
    return replace(original, site, current, current.expression)


def unary_swap(original: Original, site: Site, rng: random.Random) -> Edit | None:
    """``-x`` -> ``~x`` / ``+x`` (and back); a number ``e`` that has no sign -> ``-e``:
    args ``(sign,)``."""
    node = site.node
    if original.info[site.index].discarded:  # ``-x`` as a statement: computed, thrown away
        return None
    if isinstance(node, cst.UnaryOperation):
        if isinstance(node.operator, cst.Not):
            return None
        sign = _swap(UNARY_SIGNS, UNARY_NEIGHBOURS, node.operator, rng)
        return None if sign is None else Edit("unary_swap", site.index, (sign,))
    numeric = is_numeric(node) or isinstance(node, cst.Integer | cst.Float)
    return (
        Edit("unary_swap", site.index, ("-",)) if site.kind in (EXPR, BOUND) and numeric else None
    )


def _apply_unary_swap(original: Original, site: Site, node: cst.CSTNode, args: Args) -> cst.CSTNode:
    (sign,) = unpack(args, str)
    need(sign in UNARY_SIGNS, f"unknown sign {sign!r}")
    current = expression(node)
    if isinstance(current, cst.UnaryOperation) and not isinstance(current.operator, cst.Not):
        need(_token_of(UNARY_SIGNS, current.operator) != sign, f"already {sign}")
        spacing = current.operator.whitespace_after
        return current.with_changes(operator=UNARY_SIGNS[sign](whitespace_after=spacing))
    signed = cst.UnaryOperation(UNARY_SIGNS[sign](), fit(strip(current), UNARY))
    return replace(original, site, current, signed)


def operand_swap(original: Original, site: Site, rng: random.Random) -> Edit | None:
    """``a - b`` -> ``b - a``, ``i < j`` -> ``j < i``, ``x in xs`` -> ``xs in x`` (an operator
    whose operands are not interchangeable; comparisons of one operator): no args."""
    return Edit("operand_swap", site.index) if _ordered(site.node) else None


def _ordered(node: cst.CSTNode) -> bool:
    if isinstance(node, cst.BinaryOperation):
        return isinstance(node.operator, _ORDERED)
    if isinstance(node, cst.Comparison) and len(node.comparisons) == 1:
        return isinstance(node.comparisons[0].operator, _ORDERED)
    return False


def _apply_operand_swap(
    original: Original, site: Site, node: cst.CSTNode, args: Args
) -> cst.CSTNode:
    unpack(args)
    need(_ordered(node), "operands swap under an ordered operator")
    if isinstance(node, cst.Comparison):
        (target,) = node.comparisons
        return node.with_changes(
            left=target.comparator, comparisons=[target.with_changes(comparator=node.left)]
        )
    current = expect(node, cst.BinaryOperation)
    bare = current.with_changes(left=current.right, right=current.left, lpar=(), rpar=())
    return replace(original, site, current, _refit(bare))


#: Which operand an edit that drops an operator keeps (``operand_drop``, ``cond_drop``).
SIDES = ("left", "right")


def operand_drop(original: Original, site: Site, rng: random.Random) -> Edit | None:
    """``a + b`` -> ``a`` or ``b``: args ``("left" or "right",)``, the operand kept. The
    arithmetic twin of ``cond_drop``: a term too many (``acc += acc + x``, ``x + 1`` where
    ``x`` was meant)."""
    if not isinstance(site.node, cst.BinaryOperation):
        return None
    return Edit("operand_drop", site.index, (rng.choice(SIDES),))


def keep_side(
    kind: type[cst.BinaryOperation | cst.BooleanOperation],
) -> NodeApplier:
    """The applier of a drop (``operand_drop``, ``cond_drop``): the operand ``args`` names, in
    the place of the two-operand node of ``kind``."""

    def apply(original: Original, site: Site, node: cst.CSTNode, args: Args) -> cst.CSTNode:
        current = expect(node, kind)
        (side,) = unpack(args, str)
        need(side in SIDES, f"keep the left or the right operand, not {side!r}")
        kept = current.left if side == "left" else current.right
        return replace(original, site, current, strip(kept))

    return apply


_apply_operand_drop = keep_side(cst.BinaryOperation)


OPERATORS: dict[str, Operator] = {
    "augop_swap": augop_swap,
    "binop_swap": binop_swap,
    "boolop_swap": boolop_swap,
    "cmpop_swap": cmpop_swap,
    "operand_drop": operand_drop,
    "operand_swap": operand_swap,
    "unary_drop": unary_drop,
    "unary_swap": unary_swap,
}
APPLIERS: dict[str, NodeApplier] = {
    "augop_swap": _apply_augop,
    "binop_swap": _apply_binop,
    "boolop_swap": _apply_boolop,
    "cmpop_swap": _apply_cmpop,
    "operand_drop": _apply_operand_drop,
    "operand_swap": _apply_operand_swap,
    "unary_drop": _apply_unary_drop,
    "unary_swap": _apply_unary_swap,
}
