"""The vocabulary of appliers: checking what they are given and building nodes that fit.

An applier rebuilds its edit on the node as it is when the edit applies and raises Misfit
(``petri.program.edits``) when the edit does not fit there; a replacement takes over the
parentheses of what it replaces, or gets its own where precedence needs them.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Iterable
from typing import Any, TypeVar, cast

import libcst as cst

from petri.program.edits import JsonScalar, Original, need
from petri.program.precedence import LAMBDA, precedence
from petri.program.sites import Site

_Node = TypeVar("_Node", bound=cst.CSTNode)


def expect(node: cst.CSTNode, kind: type[_Node]) -> _Node:
    """``node`` if it is a ``kind``, else Misfit."""
    need(isinstance(node, kind), f"expected {kind.__name__}, found {type(node).__name__}")
    return cast(_Node, node)


def unpack(args: tuple[JsonScalar, ...], *kinds: type) -> tuple[Any, ...]:
    """``args`` checked against ``kinds`` one by one (a bool is never an int here)."""
    need(len(args) == len(kinds), f"expected {len(kinds)} args, got {len(args)}")
    for arg, kind in zip(args, kinds, strict=True):
        need(isinstance(arg, kind) and not isinstance(arg, bool), f"bad argument {arg!r}")
    return args


def expression(node: cst.CSTNode) -> cst.BaseExpression:
    """``node`` if it is an expression, else Misfit."""
    # The type, not the node: a node's repr renders its whole subtree, on every call.
    need(
        isinstance(node, cst.BaseExpression), f"expected an expression, found {type(node).__name__}"
    )
    return cast(cst.BaseExpression, node)


def identifier(text: object) -> str:
    """``text`` if it is a plain Python identifier, else Misfit."""
    ok = isinstance(text, str) and text.isidentifier() and not keyword.iskeyword(text)
    need(ok, f"not an identifier: {text!r}")
    return cast(str, text)


def paren(node: cst.BaseExpression) -> cst.BaseExpression:
    """``node`` in parentheses."""
    return node.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])


def strip(node: cst.BaseExpression) -> cst.BaseExpression:
    """``node`` without its parentheses (the caller puts them back where they belong)."""
    return node.with_changes(lpar=(), rpar=()) if node.lpar else node


def fit(node: cst.BaseExpression, required: int) -> cst.BaseExpression:
    """``node``, parenthesized if it binds looser than ``required``."""
    return node if precedence(node) >= required else paren(node)


def replace(
    original: Original, site: Site, current: cst.CSTNode, new: cst.BaseExpression
) -> cst.BaseExpression:
    """``new`` in the place of ``current``: it takes over current's parentheses, or gets its
    own where precedence or a touching identifier character (``SiteInfo``) needs them. The
    first parentheses of an empty tuple are the tuple itself: ``()`` -> ``0``, not ``(0)``."""
    old = expression(current)
    lpar, rpar = old.lpar, old.rpar
    if isinstance(old, cst.Tuple) and not old.elements:
        lpar, rpar = lpar[1:], rpar[:-1]
    if lpar:
        return new.with_changes(lpar=[*lpar, *new.lpar], rpar=[*new.rpar, *rpar])
    info = original.info[site.index]
    if not new.lpar and (info.glued or precedence(new) < info.required):
        return paren(new)
    return new


# --- literals and kinds of values ----------------------------------------------------------

CONSTANT_NAMES = ("True", "False", "None")
_LITERAL = re.compile(r"True|False|None|\[\]|\(\)|-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?")


def literal_text(node: cst.CSTNode) -> str | None:
    """The text of a number or of True/False/None; None for anything else."""
    if isinstance(node, cst.Integer | cst.Float):
        return node.value
    if isinstance(node, cst.Name) and node.value in CONSTANT_NAMES:
        return node.value
    return None


def is_literal(text: str) -> bool:
    """True for what ``literal`` builds: a decimal number, True/False/None, ``[]`` or ``()``."""
    return bool(_LITERAL.fullmatch(text))


def literal(text: str) -> cst.BaseExpression:
    """The node of a literal (``-1`` is a unary minus on 1); Misfit for anything else."""
    need(is_literal(text), f"not a literal: {text!r}")
    if text in CONSTANT_NAMES:
        return cst.Name(text)
    if text == "[]":
        return cst.List([])
    if text == "()":
        return cst.Tuple([])
    digits = text.removeprefix("-")
    number: cst.BaseExpression = cst.Integer(digits) if digits.isdigit() else cst.Float(digits)
    return cst.UnaryOperation(cst.Minus(), number) if text.startswith("-") else number


def int_literal(value: int) -> cst.BaseExpression:
    """``value`` as a literal: ``3`` or ``-3``."""
    number = cst.Integer(str(abs(value)))
    return number if value >= 0 else cst.UnaryOperation(cst.Minus(), number)


def is_value(node: cst.CSTNode) -> bool:
    """A name (not a constant), attribute, call or subscript: a value that may have items,
    attributes and methods."""
    if isinstance(node, cst.Name):
        return node.value not in CONSTANT_NAMES
    return isinstance(node, cst.Attribute | cst.Call | cst.Subscript)


def is_numeric(node: cst.CSTNode) -> bool:
    """A value, an arithmetic expression or a signed one: what may be a computed number
    (literals are left to the operators that change constants)."""
    if isinstance(node, cst.UnaryOperation):
        return not isinstance(node.operator, cst.Not)
    return is_value(node) or isinstance(node, cst.BinaryOperation)


def call(function: str, values: Iterable[cst.BaseExpression]) -> cst.Call:
    """``function(values...)``, each value parenthesized where an argument needs it."""
    return cst.Call(cst.Name(function), [cst.Arg(fit(value, LAMBDA)) for value in values])
