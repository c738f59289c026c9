"""``inplace_result``: the value of a method that changes its object and returns ``None``.

``items = items.append(x)``, ``return names.sort()``, ``seen += seen.append(x)``: the method
changes ``items`` in place and returns ``None``, which the statement then keeps. What was meant
is the object after the call. One statement is wrong, but no edit of an expression inside it
repairs it: the call must stay a statement of its own and the object must be named after it.
This operator rewrites the statement so: ``items.append(x)``; ``names.sort()`` then
``return names``; ``y = items.remove(x)`` becomes ``items.remove(x)`` then ``y = items``.
A removal read as a value, ``out.append(items.remove(x))``, meant the value removed:
``out.append(x)`` then ``items.remove(x)``.
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
#: In-place methods whose one argument is the value they take out.
REMOVERS = frozenset({"remove", "discard"})
_SCOPES = (cst.Lambda, cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)


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
    value = getattr(small, "value", None)
    obj = _receiver(value)
    if obj is not None and value is not None:
        if isinstance(small, cst.Return):
            return [cst.Expr(value), cst.Return(obj.deep_clone())]
        if isinstance(small, cst.Assign) and len(small.targets) == 1:
            same = _code(small.targets[0].target) == _code(obj)
            kept = [] if same else [small.with_changes(value=obj.deep_clone())]
            return [cst.Expr(value), *kept]
        if isinstance(small, cst.AugAssign) and _code(small.target) == _code(obj):
            return [cst.Expr(value)]
    return _lifted(small)


def _lifted(small: cst.BaseSmallStatement) -> list[cst.BaseSmallStatement] | None:
    """``out.append(items.remove(x))`` -> ``out.append(x)`` then ``items.remove(x)``: the first
    removal read inside the statement, not as its whole value."""
    lift = _Lift(getattr(small, "value", None))
    lifted = small.visit(lift)
    if lift.call is None or not isinstance(lifted, cst.BaseSmallStatement):
        return None
    return [lifted, cst.Expr(lift.call)]


def _removed(call: cst.Call) -> cst.BaseExpression | None:
    """``x`` of ``obj.remove(x)`` (or ``discard``), ``obj`` a name or its attributes."""
    if (
        _receiver(call) is None
        or cst.ensure_type(call.func, cst.Attribute).attr.value not in REMOVERS
    ):
        return None
    if len(call.args) != 1 or call.args[0].keyword is not None or call.args[0].star:
        return None
    return call.args[0].value


class _Lift(cst.CSTTransformer):
    """Puts the removed value in place of the first removal nested in a statement (``top``,
    the statement's whole value, is a removal used as a statement or kept by ``_rewrite``)."""

    def __init__(self, top: object) -> None:
        super().__init__()
        self.top = top
        self.call: cst.Call | None = None

    def on_visit(self, node: cst.CSTNode) -> bool:
        # A removal inside a lambda or a comprehension reads names bound there only.
        return not isinstance(node, _SCOPES)

    def leave_Call(  # noqa: N802 (libcst's name for the hook)
        self, original_node: cst.Call, updated_node: cst.Call
    ) -> cst.BaseExpression:
        value = _removed(updated_node)
        if self.call is not None or original_node is self.top or value is None:
            return updated_node
        self.call = updated_node
        return value.deep_clone()


def _line(site: Site) -> cst.SimpleStatementLine | None:
    node = site.node
    if site.kind != STMT or not isinstance(node, cst.SimpleStatementLine) or len(node.body) != 1:
        return None
    return node


def inplace_result(original: Original, site: Site, rng: random.Random) -> Edit | None:
    """A statement that keeps what an in-place method returns (``None``) -> the call on its own,
    then the object (or for a removal, the value removed) where the statement used it: no
    args."""
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
