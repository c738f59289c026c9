"""Operators that move a statement across a block's edge: one indentation level out or in.

A statement one level too deep or too shallow is among the commonest slips of people learning
Python: ``return False`` inside the loop instead of after it, the ``count += 1`` that belongs
inside the ``if``. The statement itself is right, so no edit of it helps, and moving it with the
classic statement operators takes a copy and a delete that pass no test alone. ``stmt_dedent``
moves the last statement of a compound statement's body to just after it; ``stmt_indent`` moves
the statement just after a compound statement to the end of its body. Both apply at the block
holding the compound statement, to the statement as edited by then (``petri.program.edits``).
"""

from __future__ import annotations

import random

import libcst as cst

from petri.program.edits import BlockApplier, Edit, JsonScalar, Operator, Original, Slot, need
from petri.program.nodes import unpack
from petri.program.sites import STMT, Site

Args = tuple[JsonScalar, ...]
#: The compound statements whose bodies the operators reach into.
_COMPOUND = (cst.If, cst.For, cst.While, cst.With)
#: Which body of the compound statement: its own, or its ``else:``.
_PARTS = ("body", "orelse")


def _bodies(node: cst.CSTNode) -> dict[str, cst.IndentedBlock]:
    """The indented bodies of a compound statement by part (an ``elif`` chain is not one)."""
    if not isinstance(node, _COMPOUND):
        return {}
    found: dict[str, cst.IndentedBlock] = {}
    if isinstance(node.body, cst.IndentedBlock):
        found["body"] = node.body
    orelse = getattr(node, "orelse", None)
    if isinstance(orelse, cst.Else) and isinstance(orelse.body, cst.IndentedBlock):
        found["orelse"] = orelse.body
    return found


def stmt_dedent(original: Original, site: Site, rng: random.Random) -> Edit | None:
    """The last statement of a compound statement's body (or ``else:``) -> just after the
    compound statement: args ``(part,)``, ``"body"`` or ``"orelse"``."""
    if site.kind != STMT:
        return None
    parts = sorted(_bodies(site.node))
    return Edit("stmt_dedent", site.index, (rng.choice(parts),)) if parts else None


def stmt_indent(original: Original, site: Site, rng: random.Random) -> Edit | None:
    """The statement just after a compound statement -> the end of its body (or ``else:``):
    args ``(part,)``, ``"body"`` or ``"orelse"``."""
    if site.kind != STMT:
        return None
    info = original.info[site.index]
    if info.block is None or info.position + 1 >= len(info.block.body):
        return None
    parts = sorted(_bodies(site.node))
    return Edit("stmt_indent", site.index, (rng.choice(parts),)) if parts else None


def _compound(original: Original, site: Site, slots: list[Slot]) -> tuple[Slot, int]:
    position = original.info[site.index].position
    need(site.kind == STMT and 0 <= position < len(slots), f"site {site.index} is no statement")
    slot = slots[position]
    need(len(slot.main) == 1 and bool(_bodies(slot.main[0])), "no compound statement here")
    return slot, position


def _with_body(
    node: cst.BaseStatement, part: str, statements: list[cst.BaseStatement]
) -> cst.BaseStatement:
    """``node`` with the body ``part`` holding ``statements`` (an emptied ``else:`` goes away,
    an emptied body holds ``pass``)."""
    block = _bodies(node)[part]
    orelse = getattr(node, "orelse", None)
    if part == "orelse" and isinstance(orelse, cst.Else):
        if not statements:
            return node.with_changes(orelse=None)
        body = block.with_changes(body=statements)
        return node.with_changes(orelse=orelse.with_changes(body=body))
    statements = statements or [cst.SimpleStatementLine([cst.Pass()])]
    return node.with_changes(body=block.with_changes(body=statements))


def _part(args: Args, node: cst.BaseStatement) -> str:
    (part,) = unpack(args, str)
    need(part in _PARTS and part in _bodies(node), f"no {part!r} body here")
    return str(part)


def _apply_dedent(original: Original, site: Site, slots: list[Slot], args: Args) -> None:
    slot, _ = _compound(original, site, slots)
    node = slot.main[0]
    part = _part(args, node)
    statements = list(_bodies(node)[part].body)
    moved = statements.pop().with_changes(leading_lines=())
    slot.main[0] = _with_body(node, part, statements)
    slot.after.insert(0, moved)


def _apply_indent(original: Original, site: Site, slots: list[Slot], args: Args) -> None:
    slot, position = _compound(original, site, slots)
    need(position + 1 < len(slots), "no statement after the compound statement")
    following = slots[position + 1]
    need(bool(following.main), "the next statement is gone")
    node = slot.main[0]
    part = _part(args, node)
    moved = [statement.with_changes(leading_lines=()) for statement in following.main]
    slot.main[0] = _with_body(node, part, [*_bodies(node)[part].body, *moved])
    following.main.clear()


OPERATORS: dict[str, Operator] = {"stmt_dedent": stmt_dedent, "stmt_indent": stmt_indent}
APPLIERS: dict[str, BlockApplier] = {"stmt_dedent": _apply_dedent, "stmt_indent": _apply_indent}
