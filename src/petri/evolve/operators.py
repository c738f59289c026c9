"""The operator registry, ``propose`` (the one call the search makes to mutate), and the
operator swaps.

An operator is a pure function ``(original, site, rng) -> Edit | None`` (None: not applicable
at that site); the rng is its only source of randomness. Each comes with the applier that
``Original.apply`` uses to rebuild its edits on the node as it is by then (its children possibly
edited already), raising Misfit when the edit does not fit. Operator swaps live here, other
expression operators in ``op_expr``, statement operators in ``op_stmt``.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Collection, Mapping
from typing import Any, TypeVar, cast

import libcst as cst

from petri.evolve import op_expr, op_stmt
from petri.evolve.edits import (
    Edit,
    JsonScalar,
    NodeApplier,
    Operator,
    Original,
    expect,
    fit,
    need,
    replace,
    strip,
    unpack,
)
from petri.evolve.op_stmt import BlockApplier
from petri.evolve.precedence import AWAIT, UNARY, precedence
from petri.evolve.sites import STMT, Site

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
    ("<", "<=", ">", ">="), ("==", "!="), ("is", "is not"), ("in", "not in")
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


def _operand_swap_applier(
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


_apply_binop = _operand_swap_applier(cst.BinaryOperation, BINARY)


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


_apply_boolop = _operand_swap_applier(cst.BooleanOperation, BOOLEAN)


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


_SWAPS: dict[str, Operator] = {
    "augop_swap": augop_swap,
    "binop_swap": binop_swap,
    "boolop_swap": boolop_swap,
    "cmpop_swap": cmpop_swap,
    "unary_drop": unary_drop,
}
_SWAP_APPLIERS: dict[str, NodeApplier] = {
    "augop_swap": _apply_augop,
    "binop_swap": _apply_binop,
    "boolop_swap": _apply_boolop,
    "cmpop_swap": _apply_cmpop,
    "unary_drop": _apply_unary_drop,
}

#: Every operator by name, in name order.
OPERATORS: dict[str, Operator] = dict(
    sorted({**_SWAPS, **op_expr.OPERATORS, **op_stmt.OPERATORS}.items())
)
#: The classic statement-level baseline: delete, copy-insert, replace, swap.
STATEMENT_OPS = frozenset({"stmt_delete", "stmt_insert", "stmt_replace", "stmt_swap"})
#: How edits apply: at their node, or at the block holding their statement.
NODE_APPLIERS: dict[str, NodeApplier] = {**_SWAP_APPLIERS, **op_expr.APPLIERS}
BLOCK_APPLIERS: dict[str, BlockApplier] = dict(op_stmt.APPLIERS)
#: Added to every line's suspiciousness, so that lines no test blamed still get edited.
SITE_FLOOR = 0.02


def propose(
    original: Original,
    rng: random.Random,
    *,
    weights: Mapping[int, float] | None = None,
    ops: Collection[str] | None = None,
    tries: int = 30,
) -> Edit | None:
    """One new edit that applies on its own and changes the program, or None.

    Draws a site with probability proportional to ``weights.get(site.line, 0) + SITE_FLOOR``
    (``weights`` is per-line suspiciousness in [0, 1]; None means uniform), then tries the
    operators of ``ops`` (default: all) in a random order until one applies there; up to
    ``tries`` sites. ValueError for an unknown operator name.
    """
    names = sorted(OPERATORS if ops is None else ops)
    unknown = [name for name in names if name not in OPERATORS]
    if unknown:
        raise ValueError(f"unknown operators {unknown}; known: {sorted(OPERATORS)}")
    sites = original.sites
    if not sites or not names:
        return None
    site_weights = None
    if weights is not None:
        site_weights = [max(0.0, weights.get(site.line, 0.0)) + SITE_FLOOR for site in sites]
    for _ in range(tries):
        site = rng.choices(sites, weights=site_weights)[0]
        edit = _first_applicable(original, site, names, rng)
        if edit is not None:
            return edit
    return None


def _first_applicable(
    original: Original, site: Site, names: list[str], rng: random.Random
) -> Edit | None:
    """The edit of the first operator, in a random order, that applies at ``site``.

    The first applicable one in a uniformly shuffled order is uniform among the applicable.
    """
    order = list(names)
    rng.shuffle(order)
    for name in order:
        edit = OPERATORS[name](original, site, rng)
        if edit is None:
            continue
        source = original.apply([edit])
        if source is not None and source != original.source:
            return edit
    return None


def echo(original: Original, edit: Edit, rng: random.Random) -> Edit | None:
    """``edit`` repeated at another site of its line with the same kind and node type, or None.

    A slip made once is often made twice on one line (``a[i] == b[j]`` for ``a[i - 1] ==
    b[j - 1]``); neither half passes a test alone, so the search would have to find both by
    chance. Only expression edits echo: a statement edit's args name other statements.
    """
    if edit.op not in NODE_APPLIERS or not 0 <= edit.site < len(original.sites):
        return None
    site = original.sites[edit.site]
    twins = [
        other
        for other in original.sites
        if other.index != site.index
        and other.line == site.line
        and other.kind == site.kind
        and type(other.node) is type(site.node)
    ]
    rng.shuffle(twins)
    alone = original.apply([edit])
    for twin in twins:
        repeat = Edit(edit.op, twin.index, edit.args)
        source = original.apply([edit, repeat])
        if source is not None and source != alone:
            return repeat
    return None


#: How far (in lines) ``move`` takes an expression edit.
MOVE_LINES = 2


def move(original: Original, edit: Edit, rng: random.Random) -> Edit | None:
    """``edit`` with the same operator and args at a neighbouring site, or None.

    The right change in the wrong place (a statement copied one statement too early, an
    index shifted on the line below) passes some tests and then traps the search: drawing a
    fresh edit forgets what it found. A statement edit moves to another statement of its
    block, an expression edit to a site of the same kind and node type within ``MOVE_LINES``.
    """
    if not 0 <= edit.site < len(original.sites):
        return None
    site = original.sites[edit.site]
    if edit.op in BLOCK_APPLIERS:
        block = original.info[site.index].block
        places = [
            s for s in original.sites if s.kind == STMT and original.info[s.index].block is block
        ]
    else:
        places = [
            s
            for s in original.sites
            if s.kind == site.kind
            and type(s.node) is type(site.node)
            and abs(s.line - site.line) <= MOVE_LINES
        ]
    rng.shuffle(places)
    for place in places:
        if place.index == site.index:
            continue
        moved = Edit(edit.op, place.index, edit.args)
        source = original.apply([moved])
        if source is not None and source != original.source:
            return moved
    return None
