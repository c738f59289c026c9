"""``inplace_result``: the value of a method that changes its object and returns ``None``.

``items = items.append(x)``, ``return names.sort()``, ``seen += seen.append(x)``: the method
changes ``items`` in place and returns ``None``, which the statement then keeps. What was meant
is the object after the call. One statement is wrong, but no edit of an expression inside it
repairs it: the call must stay a statement of its own and the object must be named after it.
This operator rewrites the statement so: ``items.append(x)``; ``names.sort()`` then
``return names``; ``y = items.remove(x)`` becomes ``items.remove(x)`` then ``y = items``.
"""

from __future__ import annotations

import random

import libcst as cst

from petri.program.edits import BlockApplier, Edit, JsonScalar, Operator, Original, Slot, need
from petri.program.nodes import unpack
from petri.program.op_stmt import slot_of
from petri.program.sites import STMT, Site

Args = tuple[JsonScalar, ...]
#: Methods of list, dict and set that change their object and return None.
INPLACE = frozenset(
    {
        "append", "extend", "insert", "remove", "sort", "reverse", "clear", "update", "add",
        "discard", "difference_update", "intersection_update", "symmetric_difference_update",
    }
)  # fmt: skip


def _receiver(value: cst.BaseExpression | None) -> cst.BaseExpression | None:
    """``obj`` of ``obj.method(...)`` with an in-place method, when ``obj`` is a name or a
    chain of attributes of one (naming it again after the call reads the same object)."""
    if not isinstance(value, cst.Call) or not isinstance(value.func, cst.Attribute):
        return None
    if value.func.attr.value not in INPLACE:
        return None
    obj = value.func.value
    node: cst.BaseExpression = obj
    while isinstance(node, cst.Attribute):
        node = node.value
    return obj if isinstance(node, cst.Name) else None


def _code(node: cst.CSTNode) -> str:
    return cst.Module([]).code_for_node(node).strip()


def _rewrite(small: cst.BaseSmallStatement) -> list[cst.BaseSmallStatement] | None:
    """The statements that keep the object instead of the call's ``None``; None when
    ``small`` keeps no such call."""
    if isinstance(small, cst.Return):
        obj = _receiver(small.value)
        if obj is None or small.value is None:
            return None
        return [cst.Expr(small.value), cst.Return(obj.deep_clone())]
    if isinstance(small, cst.Assign) and len(small.targets) == 1:
        obj = _receiver(small.value)
        if obj is None:
            return None
        target = small.targets[0].target
        kept = [] if _code(target) == _code(obj) else [small.with_changes(value=obj.deep_clone())]
        return [cst.Expr(small.value), *kept]
    if isinstance(small, cst.AugAssign):
        obj = _receiver(small.value)
        if obj is None or _code(small.target) != _code(obj):
            return None
        return [cst.Expr(small.value)]
    return None


def _line(site: Site) -> cst.SimpleStatementLine | None:
    node = site.node
    if site.kind != STMT or not isinstance(node, cst.SimpleStatementLine) or len(node.body) != 1:
        return None
    return node


def inplace_result(original: Original, site: Site, rng: random.Random) -> Edit | None:
    """A statement that keeps what an in-place method returns (``None``) -> the call on its own,
    then the object where the statement used the value: no args."""
    line = _line(site)
    if line is None or _rewrite(line.body[0]) is None:
        return None
    return Edit("inplace_result", site.index, ())


def _apply(original: Original, site: Site, slots: list[Slot], args: Args) -> None:
    unpack(args)
    slot = slot_of(original, site, slots)
    line = slot.main[0] if len(slot.main) == 1 else None
    need(isinstance(line, cst.SimpleStatementLine), "no statement line here")
    assert isinstance(line, cst.SimpleStatementLine)  # for the type checker: need() raised
    need(len(line.body) == 1, "one statement on the line")
    statements = _rewrite(line.body[0])
    need(statements is not None, "no in-place method's value kept here")
    assert statements is not None
    first, *rest = statements
    slot.main[0] = line.with_changes(body=[first])
    slot.after[:0] = [cst.SimpleStatementLine([small]) for small in rest]


OPERATORS: dict[str, Operator] = {"inplace_result": inplace_result}
APPLIERS: dict[str, BlockApplier] = {"inplace_result": _apply}
