"""Edits inside one statement line: the value of an expression returned (``f(x)`` ->
``return f(x)``), another name assigned (``lo = mid`` -> ``hi = mid``), an expression statement
meant as an assignment (``best == x`` -> ``best = x``, ``n + 1`` -> ``n += 1``).

They apply at the line's node, like expression edits; operators and appliers as in
``op_expr``.
"""

from __future__ import annotations

import random
from typing import cast

import libcst as cst

from petri.program.edits import Edit, JsonScalar, NodeApplier, Operator, Original, need
from petri.program.nodes import expect, identifier, unpack
from petri.program.op_expr import spelled_most_like
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


#: ``x OP y`` as a statement also becomes ``x OP= y`` for these (``n + 1`` for ``n += 1``).
_AUGMENTED: dict[type[cst.BaseBinaryOp], type[cst.BaseAugOp]] = {
    cst.Add: cst.AddAssign,
    cst.Subtract: cst.SubtractAssign,
    cst.Multiply: cst.MultiplyAssign,
    cst.Divide: cst.DivideAssign,
    cst.FloorDivide: cst.FloorDivideAssign,
    cst.Modulo: cst.ModuloAssign,
}
#: ``assign_add``'s forms: ``x = y``, ``x OP= y``.
PLAIN, AUGMENTED = "=", "op="


def _unused(small: cst.BaseSmallStatement) -> tuple[cst.Name, cst.BaseExpression] | None:
    """``(x, y)`` when ``small`` is ``x == y`` or ``x OP y`` standing as a statement, its
    value thrown away: a slip for an assignment."""
    if not isinstance(small, cst.Expr):
        return None
    value = small.value
    if isinstance(value, cst.BinaryOperation) and isinstance(value.left, cst.Name):
        return value.left, value.right
    if (
        isinstance(value, cst.Comparison)
        and isinstance(value.left, cst.Name)
        and len(value.comparisons) == 1
        and isinstance(value.comparisons[0].operator, cst.Equal)
    ):
        return value.left, value.comparisons[0].comparator
    return None


def assign_add(original: Original, site: Site, rng: random.Random) -> Edit | None:
    """``x == y`` or ``x - y`` as a statement -> ``x = y``, and ``x + y`` -> ``x += y`` too:
    args ``(i, name, form)``, i its place on the line, form ``PLAIN`` or ``AUGMENTED``. When
    ``x`` is bound nowhere in scope (``biggesr - i``), the data name spelled most like it is
    assigned instead (``biggest = i``)."""
    smalls = _small(site)
    spots = [i for i, small in enumerate(smalls) if _unused(small) is not None]
    if not spots:
        return None
    index = rng.choice(spots)
    left, _ = cast(tuple[cst.Name, cst.BaseExpression], _unused(smalls[index]))
    name = left.value
    if name not in site.names:
        if not site.values:
            return None
        name = spelled_most_like(name, site.values)
    forms = [PLAIN, AUGMENTED] if _augmented(smalls[index]) is not None else [PLAIN]
    return Edit("assign_add", site.index, (index, name, rng.choice(forms)))


def _augmented(small: cst.BaseSmallStatement) -> type[cst.BaseAugOp] | None:
    """The augmented assignment of the operation ``small`` states, if it has one."""
    value = small.value if isinstance(small, cst.Expr) else None
    if not isinstance(value, cst.BinaryOperation):
        return None
    return _AUGMENTED.get(type(value.operator))


def _apply_assign(original: Original, site: Site, node: cst.CSTNode, args: Args) -> cst.CSTNode:
    line = expect(node, cst.SimpleStatementLine)
    index, name, form = unpack(args, int, str, str)
    need(0 <= index < len(line.body), f"no statement {index} on the line")
    small = line.body[index]
    pair = _unused(small)
    need(pair is not None, f"statement {index} is no unused comparison or operation")
    _, right = cast(tuple[cst.Name, cst.BaseExpression], pair)
    target = cst.Name(identifier(name))
    semicolon = cast(cst.Expr, small).semicolon
    new: cst.BaseSmallStatement
    if form == AUGMENTED:
        augment = _augmented(small)
        need(augment is not None, "the operation has no augmented assignment")
        operator = cast(type[cst.BaseAugOp], augment)()
        new = cst.AugAssign(target, operator, right, semicolon=semicolon)
    else:
        need(form == PLAIN, f"unknown form {form!r}")
        new = cst.Assign([cst.AssignTarget(target)], right, semicolon=semicolon)
    body = list(line.body)
    body[index] = new
    return line.with_changes(body=body)


OPERATORS: dict[str, Operator] = {
    "assign_add": assign_add,
    "return_add": return_add,
    "target_replace": target_replace,
}
APPLIERS: dict[str, NodeApplier] = {
    "assign_add": _apply_assign,
    "return_add": _apply_return,
    "target_replace": _apply_target,
}
