"""Operator precedence of Python expressions, as libcst nodes: when a replacement needs
parentheses.

An edit that puts an expression where another stood (``a + b`` for ``a * b``, ``max(0, e)``
around ``e``) must parenthesize it when it binds more loosely than its position requires.
"""

from __future__ import annotations

import libcst as cst

# Operator precedence, loosest first: a replacement whose precedence is below what its position
# requires gets parentheses. LOOSE is an unparenthesized tuple, generator or walrus.
LOOSE, LAMBDA, IFEXP, OR, AND, NOT, COMPARE = range(-1, 6)
BIT_OR, BIT_XOR, BIT_AND, SHIFT, ARITH, TERM, UNARY, POWER, AWAIT, ATOM = range(6, 16)
BINARY_PRECEDENCE: dict[type[cst.BaseBinaryOp], int] = {
    cst.BitOr: BIT_OR,
    cst.BitXor: BIT_XOR,
    cst.BitAnd: BIT_AND,
    cst.LeftShift: SHIFT,
    cst.RightShift: SHIFT,
    cst.Add: ARITH,
    cst.Subtract: ARITH,
    cst.Multiply: TERM,
    cst.Divide: TERM,
    cst.FloorDivide: TERM,
    cst.Modulo: TERM,
    cst.MatrixMultiply: TERM,
    cst.Power: POWER,
}
_OTHER_PRECEDENCE: dict[type[cst.CSTNode], int] = {
    cst.Comparison: COMPARE,
    cst.IfExp: IFEXP,
    cst.Lambda: LAMBDA,
    cst.Await: AWAIT,
}
_FULL_EXPRESSION = (
    cst.If,
    cst.While,
    cst.Assert,
    cst.Assign,
    cst.AnnAssign,
    cst.AugAssign,
    cst.Return,
    cst.Expr,
    cst.Arg,
    cst.Index,
    cst.Slice,
    cst.Element,
    cst.DictElement,
    cst.Param,
    cst.Lambda,
    cst.NamedExpr,
    cst.Yield,
    cst.WithItem,
    cst.Raise,
    cst.For,
)


def precedence(node: cst.CSTNode) -> int:
    """How tightly ``node`` binds as written (parenthesized nodes are atoms)."""
    if getattr(node, "lpar", ()):
        return ATOM
    if isinstance(node, cst.BinaryOperation):
        return BINARY_PRECEDENCE[type(node.operator)]
    if isinstance(node, cst.BooleanOperation):
        return AND if isinstance(node.operator, cst.And) else OR
    if isinstance(node, cst.UnaryOperation):
        return NOT if isinstance(node.operator, cst.Not) else UNARY
    if type(node) in _OTHER_PRECEDENCE:
        return _OTHER_PRECEDENCE[type(node)]
    if isinstance(node, cst.Tuple | cst.GeneratorExp | cst.NamedExpr | cst.Yield):
        return LOOSE
    return ATOM


def required_precedence(parent: cst.CSTNode, child: cst.CSTNode) -> int:
    """The lowest precedence an unparenthesized ``child`` may have under ``parent``."""
    if isinstance(parent, cst.BinaryOperation | cst.BooleanOperation):
        return _operand_precedence(parent, child)
    if isinstance(parent, cst.UnaryOperation):
        return NOT if isinstance(parent.operator, cst.Not) else UNARY
    if isinstance(parent, cst.Comparison | cst.ComparisonTarget):
        return COMPARE + 1
    if isinstance(parent, cst.IfExp):
        return LAMBDA if child is parent.orelse else OR
    if isinstance(parent, cst.CompIf | cst.CompFor):
        return OR
    if isinstance(parent, cst.StarredElement):
        return BIT_OR
    return LAMBDA if isinstance(parent, _FULL_EXPRESSION) else ATOM


def _operand_precedence(
    parent: cst.BinaryOperation | cst.BooleanOperation, child: cst.CSTNode
) -> int:
    """Operators group to the left: the right operand must bind tighter; ``**`` the reverse."""
    if isinstance(parent.operator, cst.Power):
        return AWAIT if child is parent.left else UNARY
    if isinstance(parent, cst.BinaryOperation):
        own = BINARY_PRECEDENCE[type(parent.operator)]
    else:
        own = AND if isinstance(parent.operator, cst.And) else OR
    return own if child is parent.left else own + 1
