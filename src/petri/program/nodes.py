"""The vocabulary of appliers: checking what they are given and building nodes that fit.

An applier rebuilds its edit on the node as it is when the edit applies and raises Misfit
(``petri.program.edits``) when the edit does not fit there; a replacement takes over the
parentheses of what it replaces, or gets its own where precedence needs them.
"""

from __future__ import annotations

import keyword
from typing import Any, TypeVar, cast

import libcst as cst

from petri.program.edits import JsonScalar, Original, need
from petri.program.precedence import precedence
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
    need(isinstance(node, cst.BaseExpression), f"expected an expression, found {node!r}")
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
    own where precedence or a touching identifier character (``SiteInfo``) needs them."""
    old = expression(current)
    if old.lpar:
        return new.with_changes(lpar=[*old.lpar, *new.lpar], rpar=[*new.rpar, *old.rpar])
    info = original.info[site.index]
    if not new.lpar and (info.glued or precedence(new) < info.required):
        return paren(new)
    return new
