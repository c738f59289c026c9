"""Edits inside one statement line: the value of an expression returned (``f(x)`` ->
``return f(x)``), another name assigned (``lo = mid`` -> ``hi = mid``).

They apply at the line's node, like expression edits; operators and appliers as in
``op_expr``.
"""

from __future__ import annotations

import random
from typing import cast

import libcst as cst

from petri.program.edits import Edit, JsonScalar, NodeApplier, Operator, Original, need
from petri.program.nodes import expect, identifier, unpack
from petri.program.sites import STMT, Site

Args = tuple[JsonScalar, ...]
_Target = cst.Assign | cst.AnnAssign | cst.AugAssign
#: Expressions that are no value to return: strings (comments in disguise), yields, ``...``.
_NOT_RETURNED = (
    cst.SimpleString,
    cst.ConcatenatedString,
    cst.FormattedString,
    cst.Yield,
    cst.Ellipsis,
)


def _small(site: Site) -> tuple[cst.BaseSmallStatement, ...]:
    if site.kind != STMT or not isinstance(site.node, cst.SimpleStatementLine):
        return ()
    return tuple(site.node.body)


def _returnable(small: cst.BaseSmallStatement) -> bool:
    return isinstance(small, cst.Expr) and not isinstance(small.value, _NOT_RETURNED)


def return_add(original: Original, site: Site, rng: random.Random) -> Edit | None:
    """An expression statement ``e`` in a function -> ``return e``: args ``(i,)``, its place
    on the line."""
    if not original.info[site.index].in_function:
        return None
    spots = [i for i, small in enumerate(_small(site)) if _returnable(small)]
    return Edit("return_add", site.index, (rng.choice(spots),)) if spots else None


def _apply_return(original: Original, site: Site, node: cst.CSTNode, args: Args) -> cst.CSTNode:
    line = expect(node, cst.SimpleStatementLine)
    (index,) = unpack(args, int)
    need(original.info[site.index].in_function, "return only in a function")
    need(0 <= index < len(line.body) and _returnable(line.body[index]), f"no value at {index}")
    small = cast(cst.Expr, line.body[index])
    body = list(line.body)
    body[index] = cst.Return(small.value, semicolon=small.semicolon)
    return line.with_changes(body=body)


def _target(small: cst.BaseSmallStatement) -> cst.Name | None:
    """The name ``small`` assigns, when it assigns exactly one plain name."""
    target: cst.BaseAssignTargetExpression | None = None
    if isinstance(small, cst.Assign) and len(small.targets) == 1:
        target = small.targets[0].target
    elif isinstance(small, cst.AnnAssign | cst.AugAssign):
        target = small.target
    return target if isinstance(target, cst.Name) else None


def target_replace(original: Original, site: Site, rng: random.Random) -> Edit | None:
    """``x = e`` / ``x += e`` -> ``y = e`` / ``y += e``, y another data name in scope:
    args ``(i, y)``, i the assignment's place on the line."""
    spots = [
        (i, target.value)
        for i, small in enumerate(_small(site))
        if (target := _target(small)) is not None
    ]
    if not spots:
        return None
    index, current = rng.choice(spots)
    names = [name for name in site.values if name != current]
    return Edit("target_replace", site.index, (index, rng.choice(names))) if names else None


def _apply_target(original: Original, site: Site, node: cst.CSTNode, args: Args) -> cst.CSTNode:
    line = expect(node, cst.SimpleStatementLine)
    index, name = unpack(args, int, str)
    need(0 <= index < len(line.body), f"no statement {index} on the line")
    small = line.body[index]
    target = _target(small)
    need(target is not None, f"statement {index} assigns no single name")
    renamed = cast(cst.Name, target).with_changes(value=identifier(name))
    body = list(line.body)
    if isinstance(small, cst.Assign):
        body[index] = small.with_changes(targets=[small.targets[0].with_changes(target=renamed)])
    else:
        body[index] = cast(_Target, small).with_changes(target=renamed)
    return line.with_changes(body=body)


OPERATORS: dict[str, Operator] = {
    "return_add": return_add,
    "target_replace": target_replace,
}
APPLIERS: dict[str, NodeApplier] = {
    "return_add": _apply_return,
    "target_replace": _apply_target,
}
